"""``/callbacks/stripe`` with stripe-python driven through the stateful fake (scenarios 16–29).

Webhooks are signed for real with ``stripe.WebhookSignature.generate_signature_header``.
The concurrent variants and the Hypothesis state machine run on PostgreSQL
(test_stripe_concurrency.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.payments.stripe import StripeProvider
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import Installment, Payment, ProviderEventRecord
from portal.services.payments import expire_attempts, reconcile, start_payment
from tests.fake_stripe import FakeStripe
from tests.journey_helpers import debt_world, make_agreement

SECRETS = ("whsec_new", "whsec_old")


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def stripe_app(app: Flask, fake: FakeStripe) -> Iterator[Flask]:
    """The session app with Stripe (through the fake) as its payment provider."""
    previous = app.extensions["payment_provider"], app.config["PAYMENT_PROVIDER"]
    app.extensions["payment_provider"] = StripeProvider(
        "sk_test_x", SECRETS, http_client=fake, max_network_retries=0
    )
    app.config["PAYMENT_PROVIDER"] = "stripe"
    try:
        with app.app_context():
            yield app
    finally:
        app.extensions["payment_provider"], app.config["PAYMENT_PROVIDER"] = previous


def open_pix(stripe_app: Flask, payments: int = 3, method: str = "pix") -> Payment:
    agreement = make_agreement(debt_world(), payment_count=payments)
    payment = start_payment(
        db.session, agreement.installments[0].id, method, actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    return payment


def deliver(
    client: FlaskClient,
    fake: FakeStripe,
    event: dict[str, Any] | str,
    secret: str = SECRETS[0],
    **overrides: Any,
):  # type: ignore[no-untyped-def]
    body, headers = fake.signed(event, secret, **overrides)
    return client.post("/callbacks/stripe", data=body, headers=headers)


def last_event(fake: FakeStripe, type_: str) -> dict[str, Any]:
    return fake.events(type_)[-1]


def installment_of(payment: Payment) -> Installment:
    db.session.expire_all()
    return db.session.get(Installment, payment.installment_id)  # type: ignore[return-value]


def test_pix_paid_and_delivered_five_times_applies_once(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """Scenario 16 (sequential; the concurrent version runs on PostgreSQL)."""
    payment = open_pix(stripe_app)
    assert payment.provider_ref.startswith("pi_") and payment.pix_payload
    fake.pay_pix(payment.provider_ref)
    event = last_event(fake, "payment_intent.succeeded")
    responses = [deliver(client, fake, event) for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert [r.json["outcome"] for r in responses] == ["succeeded"] + ["duplicate_event"] * 4
    assert installment_of(payment).status == "paid"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) == 1


def test_checkout_completed_and_intent_succeeded_make_one_payment(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """Scenario 17: two event ids for the same PaymentIntent."""
    payment = open_pix(stripe_app, method="card")
    assert payment.provider_ref.startswith("cs_") and payment.checkout_url
    fake.complete_checkout(payment.provider_ref, paid=True)
    for type_ in ("checkout.session.completed", "payment_intent.succeeded"):
        assert deliver(client, fake, last_event(fake, type_)).status_code == 200
    db.session.expire_all()
    stored = db.session.get(Payment, payment.id)
    assert stored.payment_intent_id and stored.payment_intent_id.startswith("pi_")
    assert stored.applied_cents == stored.amount_cents
    assert installment_of(payment).paid_cents == stored.amount_cents


def test_success_then_late_processing_stays_succeeded(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """Scenario 18."""
    payment = open_pix(stripe_app, method="card")
    fake.complete_checkout(payment.provider_ref, paid=False)  # async method: processing
    processing = last_event(fake, "checkout.session.completed")
    fake.async_payment(payment.provider_ref, succeeded=True)
    succeeded = last_event(fake, "checkout.session.async_payment_succeeded")
    assert deliver(client, fake, succeeded).json["outcome"] == "succeeded"
    assert deliver(client, fake, processing).json["outcome"] == "ignored"
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "succeeded"


def test_late_success_after_local_expiry_is_applied_and_flagged(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """Scenario 19: we expired it locally (our cancel never reached Stripe); then it is paid."""
    payment = open_pix(stripe_app)
    fake.fail_next(1, kind="connection", path="*/cancel")
    assert expire_attempts(db.session, now_utc() + timedelta(hours=3)) == 0  # will retry
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "awaiting"
    db.session.execute(
        sa.update(Payment).where(Payment.id == payment.id).values(status="expired")
    )  # what an operator or an older expiry run did
    db.session.commit()
    fake.pay_pix(payment.provider_ref)  # the bank paid the code anyway
    response = deliver(client, fake, last_event(fake, "payment_intent.succeeded"))
    assert response.json["outcome"] == "late_success"
    db.session.expire_all()
    stored = db.session.get(Payment, payment.id)
    assert stored.flags["late_success"] is True
    assert installment_of(payment).status == "paid"


@pytest.mark.parametrize("tamper", ["bad_secret", "no_header", "stale", "body_changed"])
def test_bad_signatures_are_refused_and_nothing_is_stored(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient, tamper: str
) -> None:
    """Scenario 20."""
    payment = open_pix(stripe_app)
    fake.pay_pix(payment.provider_ref)
    event = last_event(fake, "payment_intent.succeeded")
    body, headers = fake.signed(
        event,
        "whsec_attacker" if tamper == "bad_secret" else SECRETS[0],
        timestamp=int(now_utc().timestamp()) - 301 if tamper == "stale" else None,
    )
    if tamper == "no_header":
        headers.pop("Stripe-Signature")
    if tamper == "body_changed":
        body = body.replace(b'"succeeded"', b'"processing"', 1)
    response = client.post("/callbacks/stripe", data=body, headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) == 0
    assert installment_of(payment).status == "pending"


def test_the_old_secret_still_verifies_during_rotation(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    payment = open_pix(stripe_app)
    fake.pay_pix(payment.provider_ref)
    event = last_event(fake, "payment_intent.succeeded")
    assert deliver(client, fake, event, secret=SECRETS[1]).status_code == 200


def test_unknown_event_types_are_acknowledged(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """Scenario 21."""
    event = {
        "id": "evt_custom",
        "object": "event",
        "type": "customer.created",
        "created": int(now_utc().timestamp()),
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    response = deliver(client, fake, event)
    assert response.status_code == 200 and response.json["outcome"] == "ignored_type"


def test_database_down_answers_5xx_then_the_retry_applies_once(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scenarios 22 and 23: a failure after the event is stored rolls both back."""
    import portal.services.payments.events as payments

    payment = open_pix(stripe_app)
    fake.pay_pix(payment.provider_ref)
    event = last_event(fake, "payment_intent.succeeded")
    real = payments.apply_update

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise sa.exc.OperationalError("UPDATE installments", {}, Exception("server closed"))

    monkeypatch.setattr(payments, "apply_update", crash)
    stripe_app.config["TESTING"] = False
    try:
        failed = deliver(client, fake, event)
    finally:
        stripe_app.config["TESTING"] = True
    assert failed.status_code == 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) == 0
    monkeypatch.setattr(payments, "apply_update", real)
    assert deliver(client, fake, event).json["outcome"] == "succeeded"
    assert deliver(client, fake, event).json["outcome"] == "duplicate_event"
    assert installment_of(payment).paid_cents == payment.amount_cents


def test_reconciliation_finds_what_was_never_delivered(stripe_app: Flask, fake: FakeStripe) -> None:
    """Scenario 24: our endpoint was down; Stripe lists the undelivered events."""
    payment = open_pix(stripe_app)
    fake.pay_pix(payment.provider_ref)
    for event in fake.events():
        fake.undeliver(event["id"])
    counts = reconcile(db.session, now_utc())
    db.session.commit()
    assert counts["events"] >= 1 and counts["applied"] >= 1
    assert installment_of(payment).status == "paid"
    again = reconcile(db.session, now_utc())
    db.session.commit()
    assert again["applied"] == 0


def test_a_timed_out_create_retried_with_the_same_key_makes_one_intent(
    stripe_app: Flask, fake: FakeStripe
) -> None:
    """Scenario 25: the answer is lost, our retry replays the same idempotency key."""
    from portal.adapters.payments.base import ProviderError

    agreement = make_agreement(debt_world(), payment_count=2)
    installment_id = agreement.installments[0].id
    fake.fail_next(1, kind="timeout", path="/v1/payment_intents")
    first_try = now_utc().replace(second=5)
    with pytest.raises(ProviderError):
        start_payment(db.session, installment_id, "pix", actor=SYSTEM, now=first_try)
    db.session.rollback()
    # A later second and, on PostgreSQL, another payment row id: still the very same call.
    retry = first_try + timedelta(seconds=40)
    payment = start_payment(db.session, installment_id, "pix", actor=SYSTEM, now=retry)
    db.session.commit()
    assert len(fake.payment_intents) == 1
    keys = [
        call.idempotency_key
        for call in fake.calls
        if call.method == "post" and call.path == "/v1/payment_intents"
    ]
    assert keys == [payment.idempotency_key] * 2


def test_both_codes_paid_the_second_is_refunded(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """Scenario 26: Σ net paid = due; the duplicate is refunded through Stripe."""
    first = open_pix(stripe_app)
    db.session.execute(
        sa.update(Payment).where(Payment.id == first.id).values(status="canceled")
    )  # our cancel reached Stripe too late: the code stayed payable
    db.session.commit()
    second = start_payment(db.session, first.installment_id, "card", actor=SYSTEM, now=now_utc())
    db.session.commit()
    fake.complete_checkout(second.provider_ref, paid=True)
    fake.pay_pix(first.provider_ref)
    for type_ in ("checkout.session.completed", "payment_intent.succeeded"):
        for event in fake.events(type_):
            deliver(client, fake, event)
    db.session.expire_all()
    payments = {p.id: p for p in db.session.scalars(sa.select(Payment))}
    applied = sum(p.applied_cents for p in payments.values())
    installment = installment_of(first)
    assert applied == installment.amount_cents == installment.paid_cents
    duplicate = next(p for p in payments.values() if p.flags.get("duplicate"))
    assert duplicate.refunded_cents == duplicate.excess_cents > 0
    assert len(fake.refunds) == 1
    refund = next(iter(fake.refunds.values()))
    assert refund["amount"] == duplicate.excess_cents


def test_late_async_failure_after_expiry_leaves_it_payable(
    stripe_app: Flask, fake: FakeStripe, client: FlaskClient
) -> None:
    """Scenario 29."""
    payment = open_pix(stripe_app, method="card")
    fake.complete_checkout(payment.provider_ref, paid=False)
    expire_attempts(db.session, now_utc() + timedelta(hours=3))
    db.session.commit()
    fake.async_payment(payment.provider_ref, succeeded=False)
    deliver(client, fake, last_event(fake, "checkout.session.async_payment_failed"))
    assert installment_of(payment).status == "pending"
    again = start_payment(db.session, payment.installment_id, "pix", actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert again.id != payment.id and again.status == "awaiting"


def test_webhook_is_not_for_the_sandbox(app: Flask, client: FlaskClient) -> None:
    assert client.post("/callbacks/stripe", data=json.dumps({})).status_code == 404
