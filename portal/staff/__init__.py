"""The support back-office: login with password and TOTP, debtor search, access links."""

from portal.staff.blueprint import bp
from portal.staff.views import (  # noqa: F401  (registers the routes)
    articles,
    auth,
    companies,
    debtor_actions,
    debtors,
    deliveries,
    disputes,
    imports,
    integration,
    kpi_trend,
    kpis,
    list_exports,
    policies,
    privacy,
    regua,
    regua_kpis,
    regua_preview,
    removals,
    segments,
    timeline,
)

__all__ = ["bp"]
