"""``/api/v1``: the JSON API for companies (requirements.md E6-E16).

Authentication by API key (Bearer), a per-key rate limit, JSON bodies only (415 otherwise),
a body-size cap (413), problem details for every error, tenant isolation in every query
(another creditor's object answers 404). CSRF does not apply: no cookies are used here.
"""

from portal.api.blueprint import bp
from portal.api.views import (  # noqa: F401  (registers the routes)
    agreements,
    debtors,
    docs,
    items,
    links,
    opt_outs,
    payments,
    webhooks,
)

__all__ = ["bp"]

__all__ = ["bp"]
