"""Negotiation context: pendências with their updated balances, offers, acceptance and the
agreement's life afterwards (payments credited, cancellation, lapse and breach)."""

from portal.services.negotiation.acceptance import (
    AcceptanceContext,
    AcceptanceError,
    accept_offer,
    find_by_acceptance_key,
)
from portal.services.negotiation.agreements import (
    Credit,
    apply_due_transition,
    apply_trigger,
    can_cancel,
    cancel_by_debtor,
    lock_agreement,
    open_agreements,
    record_payment,
    record_payments,
)
from portal.services.negotiation.due import (
    run_due_transitions,
)
from portal.services.negotiation.offers import (
    NothingToNegotiate,
    create_offer,
    load_offer,
)
from portal.services.negotiation.pendencias import (
    debtor_dashboard,
    debtor_kind,
    debtor_pendencias,
    domain_item,
    item_balance,
    open_items,
)

__all__ = [
    "AcceptanceContext",
    "AcceptanceError",
    "Credit",
    "NothingToNegotiate",
    "accept_offer",
    "apply_due_transition",
    "apply_trigger",
    "can_cancel",
    "cancel_by_debtor",
    "create_offer",
    "debtor_dashboard",
    "debtor_kind",
    "debtor_pendencias",
    "domain_item",
    "find_by_acceptance_key",
    "item_balance",
    "load_offer",
    "lock_agreement",
    "open_agreements",
    "open_items",
    "record_payment",
    "record_payments",
    "run_due_transitions",
]
