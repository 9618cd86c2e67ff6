"""Disputes context: a debtor's "não reconheço esta pendência" (the company's case, its
answer and deadline) and "motivo do atraso" (recorded for segmentation and KPIs)."""

from portal.services.disputes.cases import (
    DisputeError,
    dispute_payload,
    open_dispute,
    resolve_dispute,
)
from portal.services.disputes.delay import (
    count_by_reason,
    delay_reasons_by_debtor,
    delay_reasons_of,
    record_delay_reason,
    relationships_with_reasons,
)
from portal.services.disputes.queries import (
    debtor_dispute,
    debtor_disputes,
    dispute_in_scope,
    disputes_in_scope,
    open_dispute_ids,
)

__all__ = [
    "DisputeError",
    "count_by_reason",
    "debtor_dispute",
    "debtor_disputes",
    "delay_reasons_by_debtor",
    "delay_reasons_of",
    "dispute_in_scope",
    "dispute_payload",
    "disputes_in_scope",
    "open_dispute",
    "open_dispute_ids",
    "record_delay_reason",
    "relationships_with_reasons",
    "resolve_dispute",
]
