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
from portal.services.negotiation.bureau import (
    RemovalRefused,
    TrackedRemoval,
    agreement_removals,
    confirm_removal,
    debtor_removals,
    overdue_removal_count,
    removal_of,
    unconfirmed_removals,
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
    DebtorHome,
    debtor_dashboard,
    debtor_home,
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
    "DebtorHome",
    "NothingToNegotiate",
    "RemovalRefused",
    "TrackedRemoval",
    "accept_offer",
    "agreement_removals",
    "apply_due_transition",
    "apply_trigger",
    "can_cancel",
    "cancel_by_debtor",
    "confirm_removal",
    "create_offer",
    "debtor_dashboard",
    "debtor_home",
    "debtor_kind",
    "debtor_pendencias",
    "debtor_removals",
    "domain_item",
    "find_by_acceptance_key",
    "item_balance",
    "load_offer",
    "lock_agreement",
    "open_agreements",
    "open_items",
    "overdue_removal_count",
    "record_payment",
    "record_payments",
    "removal_of",
    "run_due_transitions",
    "unconfirmed_removals",
]
