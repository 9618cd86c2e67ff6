"""Time-based work on agreements: one unit of work per agreement (:mod:`portal.core.uow`),
so one failure never blocks the rest. The Celery task and the CLI both call this."""

from __future__ import annotations

import logging
from datetime import date

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.core.uow import unit_of_work
from portal.domain.agreements import AgreementState
from portal.extensions import db
from portal.services.negotiation.agreements import apply_due_transition, open_agreements

log = logging.getLogger(__name__)


def run_due_transitions(today: date) -> dict[str, int]:
    """Lapse unpaid entradas and break agreements late beyond the policy's limit."""
    counts = {"checked": 0, "lapsed": 0, "broken": 0}
    for agreement_id in open_agreements(db.session):
        counts["checked"] += 1
        try:
            with unit_of_work(db.session):
                after = apply_due_transition(
                    db.session, agreement_id, today=today, actor=SYSTEM, now=now_utc()
                )
        except Exception:
            log.exception("due transition failed for agreement %s", agreement_id)
            continue
        if after == AgreementState.LAPSED:
            counts["lapsed"] += 1
        elif after == AgreementState.BROKEN:
            counts["broken"] += 1
    return counts
