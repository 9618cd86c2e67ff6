"""``/callbacks/stripe`` with a worker (a broker configured): the webhook records the event and
answers; the worker applies it exactly once (``portal.services.payments.inbox``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.payments.stripe import StripeProvider
from portal.core.after_commit import wait_for_background_tasks
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.core.uow import unit_per_step
from portal.extensions import db
from portal.models import AuditEvent, Installment, Payment, ProviderEventRecord
from portal.services.payments import apply_received_steps, received_waiting, start_payment
from tests.fake_stripe import FakeStripe
from tests.journey_helpers import debt_world, make_agreement

SECRET = "whsec_inbox"


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def queued(app: Flask, fake: FakeStripe) -> Iterator[Flask]:
    """Stripe through the fake, and events applied by the worker, not by the webhook."""
    previous = (
        app.extensions["payment_provider"],
        app.config["PAYMENT_PROVIDER"],
        app.config["PROVIDER_EVENTS_INLINE"],
    )
    app.extensions["payment_provider"] = StripeProvider(
        "sk_test_x", (SECRET,), http_client=fake, max_network_retries=0
    )
    app.config["PAYMENT_PROVIDER"] = "stripe"
    app.config["PROVIDER_EVENTS_INLINE"] = False
    try:
        with app.app_context():
            yield app
    finally:
        (
            app.extensions["payment_provider"],
            app.config["PAYMENT_PROVIDER"],
            app.config["PROVIDER_EVENTS_INLINE"],
        ) = previous


@pytest.fixture
def wake_ups(queued: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No worker: the wake-ups the webhook asks for are only counted (the test drains)."""
    import portal.services.payments.inbox as inbox

    asked: list[str] = []
    monkeypatch.setattr(inbox, "wake_after_commit", lambda _s, task, _key: asked.append(task))
    return asked


def _paid_event(fake: FakeStripe) -> tuple[Payment, dict[str, Any]]:
    agreement = make_agreement(debt_world(), payment_count=3)
    payment = start_payment(
        db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    fake.pay_pix(str(payment.provider_ref))
    return payment, fake.events("payment_intent.succeeded")[-1]


def _deliver(client: FlaskClient, fake: FakeStripe, event: dict[str, Any]) -> Any:
    body, headers = fake.signed(event, SECRET)
    return client.post("/callbacks/stripe", data=body, headers=headers)


def _drain() -> int:
    return sum(unit_per_step(apply_received_steps(db.session)))


def _installment(payment: Payment) -> Installment:
    db.session.expire_all()
    return db.session.get(Installment, payment.installment_id)  # type: ignore[return-value]


def _succeeded_audits(payment: Payment) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "payment.succeeded",
                AuditEvent.subject_id == str(payment.id),
            )
        )
        or 0
    )


def test_recorded_at_once_applied_once_by_the_worker(
    queued: Flask, fake: FakeStripe, client: FlaskClient, wake_ups: list[str]
) -> None:
    payment, event = _paid_event(fake)
    answers = [_deliver(client, fake, event) for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert [a.json["outcome"] for a in answers] == ["received"] + ["duplicate_event"] * 2
    assert wake_ups == ["portal.apply_provider_events"]  # the new event only
    record = db.session.scalars(sa.select(ProviderEventRecord)).one()
    assert record.outcome == "received" and record.applied_at is None
    # What applying needs, and nothing of the payer (the signed object carries no more here,
    # but only these keys are ever kept).
    assert set(record.report or {}) == {
        "provider_ref",
        "status",
        "amount_cents",
        "currency",
        "amount_received_cents",
        "payment_intent_id",
        "refunded_cents",
        "charges_cents",
        "ip",
    }
    assert _installment(payment).paid_cents == 0  # not applied by the webhook
    assert _drain() == 1
    assert _installment(payment).status == "paid"
    assert _succeeded_audits(payment) == 1
    db.session.expire_all()
    record = db.session.scalars(sa.select(ProviderEventRecord)).one()
    assert record.outcome == "succeeded" and record.payment_id == payment.id
    assert record.applied_at is not None
    assert _drain() == 0  # nothing left: a second run applies nothing
    again = _deliver(client, fake, event)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate_event"
    assert _drain() == 0 and _succeeded_audits(payment) == 1
    assert received_waiting(db.session) == 0


def test_the_commit_wakes_the_worker_task(
    queued: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """The wake-up leaves after the commit (eager here: the test client runs it once the
    request is over, as a worker would: ``portal.apply_provider_events``)."""
    payment, event = _paid_event(fake)
    assert _deliver(client, fake, event).json["outcome"] == "received"
    wait_for_background_tasks()
    assert _installment(payment).status == "paid"
    record = db.session.scalars(sa.select(ProviderEventRecord)).one()
    assert record.outcome == "succeeded" and record.applied_at is not None
    assert _succeeded_audits(payment) == 1


def test_a_bad_signature_records_nothing(
    queued: Flask, fake: FakeStripe, client: FlaskClient, wake_ups: list[str]
) -> None:
    _payment, event = _paid_event(fake)
    body, headers = fake.signed(event, "whsec_someone_else")
    answer = client.post("/callbacks/stripe", data=body, headers=headers)
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) == 0


def test_a_database_error_answers_5xx_and_the_redelivery_records_it(
    queued: Flask,
    fake: FakeStripe,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    wake_ups: list[str],
) -> None:
    import portal.callbacks.stripe as view

    payment, event = _paid_event(fake)
    real = view.receive_event

    def down(*args: Any, **kwargs: Any) -> Any:
        raise sa.exc.OperationalError("INSERT INTO provider_events", {}, Exception("server closed"))

    monkeypatch.setattr(view, "receive_event", down)
    queued.config["TESTING"] = False  # the view's own error handling, not the test's re-raise
    try:
        assert _deliver(client, fake, event).status_code == 500
    finally:
        queued.config["TESTING"] = True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) == 0
    monkeypatch.setattr(view, "receive_event", real)
    assert _deliver(client, fake, event).json["outcome"] == "received"
    assert _drain() == 1 and _installment(payment).status == "paid"


def test_a_busy_payment_stays_received_and_the_others_are_applied(
    queued: Flask,
    fake: FakeStripe,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    wake_ups: list[str],
) -> None:
    import portal.services.payments.inbox as inbox
    from portal.services.payments import RetryLater

    first, first_event = _paid_event(fake)
    second, second_event = _paid_event(fake)
    for event in (first_event, second_event):
        assert _deliver(client, fake, event).json["outcome"] == "received"
    real = inbox.apply_recorded

    def busy_first(session: Any, record: ProviderEventRecord, *args: Any) -> Any:
        if record.event_id == first_event["id"]:
            raise RetryLater("could not obtain lock on row in relation payments")
        return real(session, record, *args)

    monkeypatch.setattr(inbox, "apply_recorded", busy_first)
    assert _drain() == 1  # the busy one is not taken twice in one drain
    assert _installment(first).paid_cents == 0 and _installment(second).status == "paid"
    assert received_waiting(db.session) == 1
    monkeypatch.setattr(inbox, "apply_recorded", real)
    assert _drain() == 1
    assert _installment(first).status == "paid"
    assert _succeeded_audits(first) == 1 and _succeeded_audits(second) == 1


def test_recording_an_event_is_one_statement(
    queued: Flask, fake: FakeStripe, client: FlaskClient, wake_ups: list[str]
) -> None:
    """The webhook's whole database work: one INSERT … ON CONFLICT DO NOTHING (plus the
    transaction around it); a redelivery is the same statement, inserting nothing."""
    _payment, event = _paid_event(fake)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert _deliver(client, fake, event).json["outcome"] == "received"
        assert _deliver(client, fake, event).json["outcome"] == "duplicate_event"
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    data = [s for s in statements if s not in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT"}]
    data = [s for s in data if s != "RELEASE"]
    assert data == ["INSERT", "INSERT"], statements
