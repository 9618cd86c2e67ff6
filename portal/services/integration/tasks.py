"""Celery tasks of the integration context: webhook fan-out and retries, CSV imports."""

from __future__ import annotations

from flask import current_app

from portal.core.clock import now_utc
from portal.core.uow import unit_of_work, unit_per_step
from portal.extensions import celery, db
from portal.services.integration import webhooks
from portal.services.integration.csv_import import IMPORT_TASK, abandon_import, import_steps
from portal.services.integration.events import DISPATCH_TASK, DUE_TASK


def _deliver(delivery_id: int) -> None:
    with unit_of_work(db.session):
        webhooks.deliver(
            db.session, delivery_id, sender=current_app.extensions["webhook_sender"], now=now_utc()
        )


@celery.task(name=DISPATCH_TASK, acks_late=True)
def dispatch_webhooks_task(event_id: str) -> int:
    """Fan an outbox event out to the creditor's endpoints and try each delivery once."""
    with unit_of_work(db.session):
        delivery_ids = webhooks.fan_out(db.session, event_id)
    for delivery_id in delivery_ids:
        _deliver(delivery_id)
    return len(delivery_ids)


@celery.task(name=DUE_TASK, acks_late=True)
def deliver_due_webhooks_task() -> int:
    """Retry deliveries whose backoff has passed (every minute; idempotent)."""
    due = webhooks.due_deliveries(db.session, now_utc())
    for delivery_id in due:
        _deliver(delivery_id)
    return len(due)


@celery.task(name=IMPORT_TASK, acks_late=True)
def import_items_task(job_id: int) -> None:
    """Run one CSV import, a unit of work per batch; a crash marks the job failed."""
    try:
        for _job in unit_per_step(import_steps(db.session, job_id), db.session):
            pass
    except Exception:
        with unit_of_work(db.session):
            abandon_import(db.session, job_id)
        raise
