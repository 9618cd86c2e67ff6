"""Two staff members concluding the same request at once (PostgreSQL row locks): one answer
is recorded, one audit record, one ``data_request.completed`` webhook."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.email.outbox import OutboxEmailSender
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.models import AuditEvent, DataRequest, DataRequestField, OutboxEvent, StaffUser
from portal.services.privacy import complete_request, request_correction
from tests.access_helpers import make_staff
from tests.journey_helpers import debt_world

pytestmark = pytest.mark.postgres
STAFF = 4


def test_concurrent_answers_record_one(
    committed: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(committed.extensions, "email_sender", OutboxEmailSender(tmp_path / "out"))
    with committed.app_context():
        world = debt_world()
        row = request_correction(
            db.session,
            world.creditor,
            world.debtor,
            DataRequestField.NAME,
            "Meu nome tem acento",
            actor=SYSTEM,
            now=now_utc(),
        )
        db.session.commit()
        staff_ids = [
            make_staff(world.creditor, email=f"agente{n}@example.com").id for n in range(STAFF)
        ]
        request_id = row.id
    barrier = threading.Barrier(STAFF)
    results: list[bool] = []
    errors: list[BaseException] = []

    def answer(n: int) -> None:
        with committed.app_context():
            barrier.wait()
            try:
                with unit_of_work(db.session):
                    results.append(
                        complete_request(
                            db.session,
                            db.session.get_one(DataRequest, request_id),
                            f"Resposta {n}",
                            staff=db.session.get_one(StaffUser, staff_ids[n]),
                            actor=SYSTEM,
                            now=now_utc(),
                        )
                    )
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(STAFF)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [False] * (STAFF - 1) + [True]
    with committed.app_context():
        saved = db.session.get_one(DataRequest, request_id)
        winner = staff_ids.index(saved.answered_by_id)
        assert saved.answer == f"Resposta {winner}"
        webhooks = db.session.scalars(
            sa.select(OutboxEvent).where(OutboxEvent.type == "data_request.completed")
        ).all()
        audits = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "data_request.completed")
        ).all()
        assert (len(webhooks), len(audits)) == (1, 1)
