"""The support back-office: login with password and TOTP, debtor search, access links."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/atendimento")

from portal.staff.views import (  # noqa: E402, F401
    articles,
    auth,
    debtor_actions,
    debtors,
    imports,
    integration,
    kpis,
    policies,
    regua,
    regua_preview,
    segments,
    timeline,
)
