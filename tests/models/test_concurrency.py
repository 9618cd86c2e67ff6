"""Constraints hold under real concurrency (PostgreSQL only)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import PendingItem
from tests.factories import create_creditor, create_debtor

pytestmark = pytest.mark.postgres


def test_concurrent_inserts_of_one_reference_create_one_item(committed: Flask) -> None:
    with committed.app_context():
        creditor, debtor = create_creditor(), create_debtor()
        db.session.commit()
        ids = (creditor.id, debtor.id)

    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def insert() -> None:
        with committed.app_context():
            db.session.add(
                PendingItem(
                    creditor_id=ids[0],
                    debtor_id=ids[1],
                    external_reference="RACE-1",
                    description="x",
                    original_amount_cents=100,
                    original_due_date=date(2026, 1, 1),
                )
            )
            barrier.wait()
            try:
                db.session.commit()
                outcomes.append("created")
            except IntegrityError:
                db.session.rollback()
                outcomes.append("duplicate")

    threads = [threading.Thread(target=insert) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["duplicate"] * 7
    with committed.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(PendingItem))
    assert count == 1
