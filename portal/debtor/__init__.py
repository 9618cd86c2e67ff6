"""Pages a debtor uses: entry by link, identity check, one-time codes, pendências."""

from flask import Blueprint

bp = Blueprint("debtor", __name__)

from portal.debtor.views import (  # noqa: E402, F401
    access,
    agreements,
    home,
    payments,
    simulation,
    verification,
)
