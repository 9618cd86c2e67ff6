"""The inbox under real concurrency (PostgreSQL only): concurrent deliveries of one event
record it once; two workers draining at once apply every event exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.payments.stripe import StripeProvider
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.core.uow import unit_per_step
from portal.extensions import db
from portal.models import AuditEvent, Installment, Payment, ProviderEventRecord
from portal.services.payments import apply_received_steps, received_waiting, start_payment
from tests.fake_stripe import FakeStripe
from tests.journey_helpers import debt_world, make_agreement

pytestmark = pytest.mark.postgres
SECRET = "whsec_inbox_concurrency"


@pytest.fixture
def queued(committed: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Flask, FakeStripe]]:
    """Events applied by workers, which the tests run themselves (no wake-ups)."""
    import portal.services.payments.inbox as inbox

    monkeypatch.setattr(inbox, "wake_after_commit", lambda *_args: None)
    fake = FakeStripe()
    previous = (
        committed.extensions["payment_provider"],
        committed.config["PAYMENT_PROVIDER"],
        committed.config["PROVIDER_EVENTS_INLINE"],
    )
    committed.extensions["payment_provider"] = StripeProvider(
        "sk_test_x", (SECRET,), http_client=fake, max_network_retries=0
    )
    committed.config["PAYMENT_PROVIDER"] = "stripe"
    committed.config["PROVIDER_EVENTS_INLINE"] = False
    try:
        yield committed, fake
    finally:
        (
            committed.extensions["payment_provider"],
            committed.config["PAYMENT_PROVIDER"],
            committed.config["PROVIDER_EVENTS_INLINE"],
        ) = previous


def _paid_events(app: Flask, fake: FakeStripe, count: int) -> list[dict[str, Any]]:
    with app.app_context():
        refs = []
        for _ in range(count):
            agreement = make_agreement(debt_world(), payment_count=2)
            payment = start_payment(
                db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
            )
            db.session.commit()
            refs.append(str(payment.provider_ref))
        db.session.remove()
    for ref in refs:
        fake.pay_pix(ref)
    return fake.events("payment_intent.succeeded")


def _at_once(count: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_event_delivered_ten_times_at_once_is_recorded_once(
    queued: tuple[Flask, FakeStripe],
) -> None:
    app, fake = queued
    (event,) = _paid_events(app, fake, 1)
    body, headers = fake.signed(event, SECRET)

    def deliver(_index: int) -> tuple[int, str]:
        answer = app.test_client().post("/callbacks/stripe", data=body, headers=headers)
        return answer.status_code, answer.json["outcome"]

    answers = _at_once(10, deliver)
    assert [status for status, _ in answers] == [200] * 10
    assert sorted(outcome for _, outcome in answers) == ["duplicate_event"] * 9 + ["received"]
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord))
        assert count == 1
        db.session.remove()


def test_two_workers_draining_at_once_apply_each_event_once(
    queued: tuple[Flask, FakeStripe],
) -> None:
    app, fake = queued
    events = _paid_events(app, fake, 12)
    client = app.test_client()
    for event in events:
        body, headers = fake.signed(event, SECRET)
        assert client.post("/callbacks/stripe", data=body, headers=headers).status_code == 200

    def drain(_index: int) -> int:
        with app.app_context():
            try:  # small batches: the two workers interleave
                return sum(unit_per_step(apply_received_steps(db.session, batch=2)))
            finally:
                db.session.remove()

    with app.app_context():
        assert received_waiting(db.session) == len(events)  # recorded, none applied yet
        db.session.remove()
    applied = _at_once(2, drain)
    with app.app_context():
        assert sum(applied) == len(events)
        assert received_waiting(db.session) == 0
        audits = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "payment.succeeded")
        )
        assert audits == len(events)
        paid = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Installment)
            .join(Payment, Payment.installment_id == Installment.id)
            .where(Installment.status == "paid", Payment.status == "succeeded")
        )
        assert paid == len(events)
        db.session.remove()
