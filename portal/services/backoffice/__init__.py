"""Back-office context: staff accounts and their creditor scope, actions on a debtor, the
debtor's whole picture, KPIs and segments."""

from portal.services.backoffice.actions import (
    MAX_REASON_LENGTH,
    MIN_REASON_LENGTH,
    StaffActionError,
    add_note,
    can_staff_cancel,
    cancel_agreement_by_staff,
    dispute_item,
    resolve_item,
    reveal_document,
)
from portal.services.backoffice.companies import (
    update_support_channels,
)
from portal.services.backoffice.debtor_view import (
    agreement_in_scope,
    agreements_in_scope,
    item_in_scope,
    items_in_scope,
    messages_sent,
    notes_in_scope,
    payments_in_scope,
    staff_names,
    timeline,
)
from portal.services.backoffice.deliveries import (
    DeliveryDetail,
    DeliveryFilter,
    DeliveryRow,
    deliveries,
    delivery_detail,
    delivery_in_scope,
    resend,
)
from portal.services.backoffice.kpis import (
    MAX_PERIOD_DAYS,
    KpiReport,
    Period,
    creditor_kpis,
)
from portal.services.backoffice.links_view import LinkRow, Who, link_rows, links_in_scope
from portal.services.backoffice.scope import (
    creditor_in_scope,
    creditors_in_scope,
)
from portal.services.backoffice.segments import (
    History,
    SegmentFilter,
    debtor_page,
    ranked_debtors,
)
from portal.services.backoffice.staff import (
    FoundDebtor,
    StaffError,
    authenticate_staff,
    contacts_in_scope,
    create_staff,
    creditors_for,
    debtor_in_scope,
    search_debtors,
)
from portal.services.backoffice.trends import (
    MAX_TREND_WEEKS,
    WeekKpis,
    default_trend_period,
    weekly_kpis,
    weeks_of,
)

__all__ = [
    "MAX_PERIOD_DAYS",
    "MAX_REASON_LENGTH",
    "MAX_TREND_WEEKS",
    "MIN_REASON_LENGTH",
    "DeliveryDetail",
    "DeliveryFilter",
    "DeliveryRow",
    "FoundDebtor",
    "History",
    "KpiReport",
    "LinkRow",
    "Period",
    "SegmentFilter",
    "StaffActionError",
    "StaffError",
    "WeekKpis",
    "Who",
    "add_note",
    "agreement_in_scope",
    "agreements_in_scope",
    "authenticate_staff",
    "can_staff_cancel",
    "cancel_agreement_by_staff",
    "contacts_in_scope",
    "create_staff",
    "creditor_in_scope",
    "creditor_kpis",
    "creditors_for",
    "creditors_in_scope",
    "debtor_in_scope",
    "debtor_page",
    "default_trend_period",
    "deliveries",
    "delivery_detail",
    "delivery_in_scope",
    "dispute_item",
    "item_in_scope",
    "items_in_scope",
    "link_rows",
    "links_in_scope",
    "messages_sent",
    "notes_in_scope",
    "payments_in_scope",
    "ranked_debtors",
    "resend",
    "resolve_item",
    "reveal_document",
    "search_debtors",
    "staff_names",
    "timeline",
    "update_support_channels",
    "weekly_kpis",
    "weeks_of",
]
