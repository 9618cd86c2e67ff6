"""Two jobs at once on PostgreSQL (a beat tick overlapping a manual run): every message is
sent once, and no debtor gets more than the daily cap, whichever job wins each race."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.email.outbox import OutboxEmailSender, list_outbox
from portal.adapters.messaging.provider import OutboxTextProvider
from portal.extensions import db
from portal.models import ReminderMessage
from portal.services.regua.run import RunReport
from tests.factories import create_debtor

from .conftest import MONDAY, at, company, item_due, run_reminders

pytestmark = pytest.mark.postgres
DEBTORS = 12
JOBS = 4


def test_parallel_jobs_send_each_message_once(
    committed: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = tmp_path / "outbox"
    monkeypatch.setitem(committed.extensions, "email_sender", OutboxEmailSender(outbox))
    monkeypatch.setitem(committed.extensions, "text_provider", OutboxTextProvider(str(outbox)))
    with committed.app_context():
        first, _ = company()
        second, _ = company()
        for _n in range(DEBTORS):
            debtor = create_debtor()
            item_due(first, MONDAY - timedelta(days=3), debtor=debtor)
            item_due(second, MONDAY - timedelta(days=20), debtor=debtor)
        db.session.commit()
    barrier = threading.Barrier(JOBS)
    reports: list[RunReport] = []
    errors: list[BaseException] = []

    def job() -> None:
        with committed.app_context():
            barrier.wait()
            try:
                reports.append(run_reminders(db.session, at(MONDAY, 10), batch_size=5))
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=job) for _ in range(JOBS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with committed.app_context():
        rows = db.session.execute(
            sa.select(ReminderMessage.debtor_id, ReminderMessage.local_date)
        ).all()
        assert len(rows) == DEBTORS  # one per debtor: the daily cap across both companies
        assert len(set(rows)) == DEBTORS
    assert sum(r.sent for r in reports) == DEBTORS
    assert len(list_outbox(outbox)) == DEBTORS
