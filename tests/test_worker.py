"""portal/tasks.py: Celery runs eagerly by default and through Redis when configured."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.after_commit import enqueue_after_commit
from portal.core.audit import record_event
from portal.core.context import SYSTEM
from portal.extensions import celery, db
from portal.models import AuditEvent
from portal.worker import ping
from tests.factories import create_debtor

REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/15"


@celery.task(name="tests.write_audit")
def write_audit(marker: str) -> None:
    """Runs in its own app context and session, and commits its own unit of work."""
    record_event(db.session, SYSTEM, "test.task_ran", details={"marker": marker})
    db.session.commit()


def _task_events(marker: str) -> int:
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "test.task_ran")
    ).all()
    return sum(1 for event in events if event.details.get("marker") == marker)


def test_embedded_default_runs_tasks_eagerly(app: Flask) -> None:
    assert celery.conf.task_always_eager is True
    # disable_sync_subtasks: an earlier background (eager) task may have set Celery's
    # process-wide "inside a task" flag; this test is not inside one.
    assert ping.delay().get(disable_sync_subtasks=False) == "pong"


def test_task_queued_in_a_unit_of_work_runs_only_after_commit(app: Flask) -> None:
    create_debtor()
    enqueue_after_commit(db.session, write_audit.name, "m1")
    assert _task_events("m1") == 0
    db.session.commit()
    assert _task_events("m1") == 1


def test_task_is_dropped_when_the_unit_of_work_rolls_back(app: Flask) -> None:
    create_debtor()
    enqueue_after_commit(db.session, write_audit.name, "m2")
    db.session.rollback()
    assert _task_events("m2") == 0


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


ROOT = Path(__file__).resolve().parent.parent


def test_tasks_go_through_redis_to_a_worker(tmp_path: Path) -> None:
    """A real worker process consumes from Redis what another process queued."""
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    queue = f"portal-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
    }
    worker = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wsgi:celery_app",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        sender = subprocess.run(  # noqa: S603 - fixed command line
            [
                sys.executable,
                "-c",
                "from wsgi import celery_app\n"
                "from portal.worker import ping\n"
                f"print(ping.apply_async(queue={queue!r}, ignore_result=False).get(timeout=30))",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert sender.returncode == 0, sender.stderr + output.decode(errors="replace")
    assert sender.stdout.strip().splitlines()[-1] == "pong"


def test_every_beat_entry_names_a_registered_task(app: Flask) -> None:
    """The beat sends tasks by name: a typo would be sent every minute and never run (the
    provider-events sweep is how events a lost wake-up left behind get applied)."""
    from portal.worker import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["provider-events-sweep"]["task"] == "portal.apply_provider_events"
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in celery.tasks, name
