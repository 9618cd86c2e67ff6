"""Celery task of the negotiation context: the hourly lapse or breach of agreements."""

from __future__ import annotations

from portal.core.clock import today_br
from portal.extensions import celery
from portal.services.negotiation.due import run_due_transitions

DUE_TRANSITIONS_TASK = "portal.run_due_transitions"


@celery.task(name=DUE_TRANSITIONS_TASK, acks_late=True)
def run_due_transitions_task() -> dict[str, int]:
    """Lapse or break agreements whose schedule says so (hourly, idempotent)."""
    return run_due_transitions(today_br())
