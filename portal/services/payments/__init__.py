"""Payments context: attempts at the provider, the provider's reports applied exactly once,
refunds, expiry and reconciliation. Other contexts and the blueprints use this module."""

from portal.services.payments.attempts import being_confirmed, next_payable, start_payment
from portal.services.payments.due import late_amount
from portal.services.payments.early import (
    CoveredInstallment,
    EarlyOptions,
    EarlyQuote,
    early_options,
    early_quote,
    start_early_payment,
)
from portal.services.payments.events import (
    Outcome,
    apply_update,
    find_payment,
    process_event,
)
from portal.services.payments.inbox import (
    applies_inline,
    apply_received,
    apply_received_steps,
    receive_event,
    received_waiting,
)
from portal.services.payments.maintenance import expire_attempts, reconcile, refund_excess
from portal.services.payments.provider import (
    PaymentUnavailable,
    RetryLater,
    payee_for,
    provider,
)

__all__ = [
    "CoveredInstallment",
    "EarlyOptions",
    "EarlyQuote",
    "Outcome",
    "PaymentUnavailable",
    "RetryLater",
    "applies_inline",
    "apply_received",
    "apply_received_steps",
    "apply_update",
    "being_confirmed",
    "early_options",
    "early_quote",
    "expire_attempts",
    "find_payment",
    "late_amount",
    "next_payable",
    "payee_for",
    "process_event",
    "provider",
    "receive_event",
    "received_waiting",
    "reconcile",
    "refund_excess",
    "start_early_payment",
    "start_payment",
]
