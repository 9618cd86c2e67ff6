"""The Celery task Celery beat runs every 15 minutes in production (see ``portal.worker``)."""

from __future__ import annotations

from portal.extensions import celery, db


@celery.task(name="portal.reminders_run", acks_late=True)
def run_reminders_task() -> dict[str, int]:
    """Plan and send what the régua says is due now (idempotent: keys are unique)."""
    from portal.core.clock import now_utc
    from portal.services.regua.run import run_reminders

    report = run_reminders(db.session, now_utc(), now=now_utc)
    db.session.commit()
    return {
        "sent": report.sent,
        "failed": report.failed,
        "skipped_quiet_hours": report.skipped_quiet_hours,
        "skipped_cap": report.skipped_cap,
        "skipped_opt_out": report.skipped_opt_out,
    }
