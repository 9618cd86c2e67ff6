"""Pages a debtor uses: entry by link, identity check, one-time codes, pendências."""

from portal.debtor.blueprint import bp
from portal.debtor.views import (  # noqa: F401  (registers the routes)
    access,
    agreements,
    boleto,
    companies,
    disputes,
    early_payment,
    home,
    payments,
    pix_automatico,
    privacy,
    simulation,
    step_up,
)

__all__ = ["bp"]
