"""Integration events: numbered per creditor, without gaps or repeats, even under concurrency."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import OutboxEvent
from portal.services.integration import emit
from tests.factories import create_creditor


def test_each_creditor_counts_its_own_events(app: Flask) -> None:
    with app.app_context():
        first, second = create_creditor(), create_creditor()
        db.session.flush()
        numbers = [
            emit(db.session, creditor.id, "item.disputed", {"n": n}).sequence
            for n, creditor in enumerate((first, second, first, first, second))
        ]
        assert numbers == [1, 1, 2, 3, 2]
        with pytest.raises(ValueError):
            emit(db.session, first.id, "no.such_event", {})


@pytest.mark.postgres
def test_concurrent_events_of_one_creditor_get_distinct_numbers(committed: Flask) -> None:
    with committed.app_context():
        creditor = create_creditor()
        db.session.commit()
        creditor_id = creditor.id
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with committed.app_context():
                emit(db.session, creditor_id, "item.disputed", {"n": n})
                db.session.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with committed.app_context():
        numbers = db.session.scalars(
            sa.select(OutboxEvent.sequence).where(OutboxEvent.creditor_id == creditor_id)
        ).all()
    assert sorted(numbers) == list(range(1, 13))
