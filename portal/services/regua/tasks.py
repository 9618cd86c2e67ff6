"""The Celery task Celery beat runs every 15 minutes in production (see ``portal.worker``)."""

from __future__ import annotations

from portal.core.clock import now_utc
from portal.core.uow import unit_per_step
from portal.extensions import celery, db
from portal.services.regua.run import RunReport, reminder_steps


@celery.task(name="portal.reminders_run", acks_late=True)
def run_reminders_task() -> dict[str, int]:
    """Plan and send what the régua says is due now (idempotent: keys are unique); each
    step (a batch's reservations, each message sent) in its own unit of work."""
    report = RunReport()
    for _step in unit_per_step(reminder_steps(db.session, now_utc(), report, now=now_utc)):
        pass
    return {
        "sent": report.sent,
        "failed": report.failed,
        "skipped_quiet_hours": report.skipped_quiet_hours,
        "skipped_cap": report.skipped_cap,
        "skipped_opt_out": report.skipped_opt_out,
    }
