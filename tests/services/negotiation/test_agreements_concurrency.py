"""Acceptance under real concurrency (PostgreSQL): one agreement per item set."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import Agreement, ItemStatus, PendingItem
from portal.services.negotiation import (
    AcceptanceContext,
    AcceptanceError,
    accept_offer,
    create_offer,
    find_by_acceptance_key,
    load_offer,
)
from tests.journey_helpers import debt_world

pytestmark = pytest.mark.postgres
CONTEXT = AcceptanceContext(
    ip=None,
    user_agent=None,
    session_id_hash="b" * 64,
    auth_method="magic_link+otp",
    one_time_code_id=None,
)


def _race(app: Flask, keys: list[str]) -> list[object]:
    with app.app_context():
        world = debt_world()
        today = today_br()
        snapshot, _offer = create_offer(
            db.session,
            world.debtor,
            world.creditor.id,
            None,
            first_due_date=today + timedelta(days=2),
            down_payment_cents=None,
            today=today,
            actor=SYSTEM,
        )
        db.session.commit()
        token, debtor_id = snapshot.token, world.debtor.id
    barrier = threading.Barrier(len(keys))
    results: list[object] = []

    def attempt(key: str) -> None:
        with app.app_context():
            from portal.models import Debtor

            debtor = db.session.get(Debtor, debtor_id)
            snap, offer = load_offer(db.session, debtor_id, token)  # type: ignore[misc]
            barrier.wait()
            try:
                agreement = accept_offer(
                    db.session,
                    debtor,
                    snap,
                    offer,
                    3,
                    acceptance_key=key,
                    context=CONTEXT,
                    actor=SYSTEM,
                    now=now_utc(),
                    today=today_br(),
                )
                db.session.commit()
                results.append(agreement.id)
            except (AcceptanceError, sa.exc.IntegrityError) as error:
                db.session.rollback()
                found = find_by_acceptance_key(db.session, debtor_id, key)
                results.append(found.id if found else getattr(error, "reason", "integrity"))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_double_submission_of_one_confirmation(committed: Flask) -> None:
    results = _race(committed, ["same-key-" + "x" * 20] * 8)
    with committed.app_context():
        ids = list(db.session.scalars(sa.select(Agreement.id)))
        assert len(ids) == 1
        assert results == [ids[0]] * 8
        statuses = set(db.session.scalars(sa.select(PendingItem.status)))
        assert statuses == {ItemStatus.IN_AGREEMENT}


def test_two_tabs_with_different_confirmations(committed: Flask) -> None:
    results = _race(committed, [f"tab-{n}-" + "y" * 20 for n in range(8)])
    with committed.app_context():
        ids = list(db.session.scalars(sa.select(Agreement.id)))
        assert len(ids) == 1
        assert sorted(map(str, results)) == sorted([str(ids[0])] + ["taken"] * 7)
