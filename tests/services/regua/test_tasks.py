"""The Celery task beat runs every 15 minutes: the same job, at the current instant."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from portal.services.regua.tasks import run_reminders_task

from .conftest import MONDAY, at, company, item_due

pytestmark = pytest.mark.usefixtures("ctx")


def test_the_task_runs_the_job_now_and_is_idempotent() -> None:
    creditor, _ = company()
    item_due(creditor, MONDAY - timedelta(days=3))
    with time_machine.travel(at(MONDAY, 10), tick=False):
        first = run_reminders_task.apply().get(disable_sync_subtasks=False)
        second = run_reminders_task.apply().get(disable_sync_subtasks=False)
    assert first["sent"] == 1 and second["sent"] == 0
    with time_machine.travel(at(MONDAY, 6), tick=False):
        assert run_reminders_task.apply().get(disable_sync_subtasks=False)["sent"] == 0


def test_beat_runs_it_every_15_minutes() -> None:
    import subprocess
    import sys

    code = (
        "from wsgi import celery_app\n"
        "entry = celery_app.conf.beat_schedule['reminders-run']\n"
        "print(entry['task'], sorted(entry['schedule'].minute))\n"
        "print('portal.reminders_run' in celery_app.tasks)\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:"},
        check=True,
    )
    assert result.stdout.split("\n")[:2] == ["portal.reminders_run [0, 15, 30, 45]", "True"]
