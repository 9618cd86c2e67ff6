"""The kernel's Celery task: the sweep that sends tasks a stopped process left behind."""

from __future__ import annotations

from datetime import timedelta

from portal.core.after_commit import publish_stranded
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.extensions import celery, db


@celery.task(name="portal.publish_stranded_tasks", acks_late=True)
def publish_stranded_tasks_task() -> int:
    """Hand to the broker the tasks a process committed but died before sending (beat)."""
    with unit_of_work(db.session):
        return publish_stranded(db.session, now_utc(), older_than=timedelta(seconds=15))
