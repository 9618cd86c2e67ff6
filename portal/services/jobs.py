"""Time-based work: one unit of work per agreement, so one failure never blocks the rest."""

from __future__ import annotations

import logging
from datetime import date

from portal.domain.agreements import AgreementState
from portal.extensions import db
from portal.services.agreements import apply_due_transition, open_agreements
from portal.services.clock import now_utc
from portal.services.context import SYSTEM

log = logging.getLogger(__name__)


def run_due_transitions(today: date) -> dict[str, int]:
    """Lapse unpaid entradas and break agreements late beyond the policy's limit.

    Commits after each agreement (the caller is a CLI command or a Celery task).
    """
    counts = {"checked": 0, "lapsed": 0, "broken": 0}
    for agreement_id in open_agreements(db.session):
        counts["checked"] += 1
        try:
            after = apply_due_transition(
                db.session, agreement_id, today=today, actor=SYSTEM, now=now_utc()
            )
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("due transition failed for agreement %s", agreement_id)
            continue
        if after == AgreementState.LAPSED:
            counts["lapsed"] += 1
        elif after == AgreementState.BROKEN:
            counts["broken"] += 1
    return counts
