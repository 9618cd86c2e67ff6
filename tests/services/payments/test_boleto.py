"""Boleto through the payments context (SQLite and PostgreSQL): Stripe's boleto via the fake
Stripe and signed webhooks, and the sandbox's. A paid boleto is applied once however often its
event comes; an expired one is closed; reconciliation finds what webhooks missed; the local
expiry waits for the bank's clearing; one live charge per installment across methods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.payments.base import BoletoPayer
from portal.adapters.payments.stripe import StripeProvider
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.boleto import parse_line
from portal.extensions import db
from portal.models import Document, Installment, Payment, ProviderEventRecord
from portal.services.payments import (
    expire_attempts,
    process_event,
    provider,
    reconcile,
    refund_excess,
    start_payment,
)
from tests.fake_stripe import FakeStripe
from tests.journey_helpers import debt_world, make_agreement

SECRETS = ("whsec_new",)
PAYER = BoletoPayer(
    tax_id="52998224725",
    name="Maria da Silva",
    email="maria@example.com",
    line1="Rua das Flores, 10",
    city="São Paulo",
    state="SP",
    postal_code="01310100",
)


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def stripe_app(app: Flask, fake: FakeStripe) -> Iterator[Flask]:
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


def _start(installment_id: int, method: str = "boleto", now: Any = None) -> Payment:
    payment = start_payment(
        db.session,
        installment_id,
        method,
        actor=SYSTEM,
        now=now or now_utc(),
        payer=PAYER if method == "boleto" else None,
    )
    db.session.commit()
    return payment


def _open_boleto() -> Payment:
    agreement = make_agreement(debt_world(), payment_count=3)
    return _start(agreement.installments[0].id)


def deliver(client: FlaskClient, fake: FakeStripe, event: dict[str, Any]) -> Any:
    body, headers = fake.signed(event, SECRETS[0])
    return client.post("/callbacks/stripe", data=body, headers=headers)


def installment_of(payment: Payment) -> Installment:
    db.session.expire_all()
    return db.session.get(Installment, payment.installment_id)  # type: ignore[return-value]


def test_a_boleto_attempt_keeps_its_line_voucher_and_due_moment(stripe_app, fake):
    payment = _open_boleto()
    assert payment.method == "boleto" and payment.status == "awaiting"
    assert payment.provider_ref.startswith("pi_")
    assert parse_line(payment.boleto_line).amount_cents == payment.amount_cents
    assert payment.voucher_url and payment.voucher_pdf_url
    days = (payment.expires_at - now_utc()).total_seconds() / 86_400
    assert 3 <= days <= 4.2  # three calendar days, to 23:59 in São Paulo
    assert payment.idempotency_key.startswith(f"inst:{payment.installment_id}:boleto:1:")
    assert _start(payment.installment_id).id == payment.id  # a double click: the same one


def test_paid_boleto_delivered_five_times_is_applied_once_with_its_receipt(
    stripe_app, fake, client
):
    payment = _open_boleto()
    fake.pay_boleto(payment.provider_ref)
    event = fake.events("payment_intent.succeeded")[-1]
    responses = [deliver(client, fake, event) for _ in range(5)]
    assert [r.json["outcome"] for r in responses] == ["succeeded"] + ["duplicate_event"] * 4
    installment = installment_of(payment)
    assert installment.status == "paid"
    assert installment.paid_cents == payment.amount_cents
    stored = db.session.get(Payment, payment.id)
    assert stored.applied_cents == stored.amount_cents and stored.status == "succeeded"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) == 1
    receipts = db.session.scalars(sa.select(Document).where(Document.payment_id == payment.id))
    assert [d.kind for d in receipts] == ["receipt"]


def test_an_expired_boleto_is_closed_and_a_new_one_can_be_issued(stripe_app, fake, client):
    payment = _open_boleto()
    fake.expire_boleto(payment.provider_ref)
    event = fake.events("payment_intent.payment_failed")[-1]
    assert deliver(client, fake, event).json["outcome"] == "failed"
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "failed"
    assert installment_of(payment).status == "pending"
    again = _start(payment.installment_id)
    assert again.id != payment.id and again.attempt == 2 and again.status == "awaiting"


def test_reconciliation_applies_a_missed_payment_once(stripe_app, fake, client):
    payment = _open_boleto()
    fake.pay_boleto(payment.provider_ref)
    event = fake.events("payment_intent.succeeded")[-1]
    fake.undeliver(event["id"])
    counts = reconcile(db.session, now_utc())
    db.session.commit()
    assert counts["applied"] >= 1
    assert installment_of(payment).status == "paid"
    assert deliver(client, fake, event).json["outcome"] == "duplicate_event"
    again = reconcile(db.session, now_utc() + timedelta(minutes=10))
    db.session.commit()
    assert again["applied"] == 0
    assert installment_of(payment).paid_cents == payment.amount_cents


def test_reconciliation_reads_an_open_boleto_paid_without_any_event(stripe_app, fake):
    payment = _open_boleto()
    fake.pay_boleto(payment.provider_ref)
    for event in fake.events():
        fake.mark_delivered(event["id"])  # delivered, but lost on our side
    reconcile(db.session, now_utc() + timedelta(minutes=10))
    db.session.commit()
    assert installment_of(payment).status == "paid"


def test_local_expiry_waits_for_the_banks_clearing(stripe_app, fake):
    payment = _open_boleto()
    due = payment.expires_at
    assert expire_attempts(db.session, due + timedelta(days=2)) == 0  # paid on the last day?
    db.session.commit()
    assert db.session.get(Payment, payment.id).status == "awaiting"
    assert fake.payment_intents[payment.provider_ref]["status"] == "requires_action"
    assert expire_attempts(db.session, due + timedelta(days=6)) == 1
    db.session.commit()
    assert db.session.get(Payment, payment.id).status == "expired"
    assert fake.payment_intents[payment.provider_ref]["status"] == "canceled"


def test_a_boleto_cleared_late_wins_over_the_local_expiry(stripe_app, fake):
    payment = _open_boleto()
    fake.pay_boleto(payment.provider_ref)
    for event in fake.events():
        fake.mark_delivered(event["id"])
    expire_attempts(db.session, payment.expires_at + timedelta(days=6))
    db.session.commit()
    assert installment_of(payment).status == "paid"


def test_boleto_after_pix_keeps_one_live_charge_and_back(stripe_app, fake):
    agreement = make_agreement(debt_world(), payment_count=3)
    installment_id = agreement.installments[0].id
    pix = _start(installment_id, "pix")
    boleto = _start(installment_id, "boleto")
    card = _start(installment_id, "card")
    db.session.expire_all()
    statuses = {p.method: p.status for p in db.session.scalars(sa.select(Payment))}
    assert statuses == {"pix": "canceled", "boleto": "canceled", "card": "awaiting"}
    for closed in (pix, boleto):
        assert fake.payment_intents[closed.provider_ref]["status"] == "canceled"
    assert card.attempt == 3


def test_excess_on_a_boleto_is_flagged_to_return_by_hand_not_refunded(stripe_app, fake, client):
    """Stripe cannot refund a boleto: money beyond the due (a duplicate) is flagged, once, with
    its audit record, for staff to return by bank transfer."""
    payment = _open_boleto()
    fake.pay_boleto(payment.provider_ref)
    deliver(client, fake, fake.events("payment_intent.succeeded")[-1])
    db.session.expire_all()
    stored = db.session.get(Payment, payment.id)
    stored.excess_cents = 700  # as a duplicate success records it
    db.session.commit()
    assert refund_excess(db.session, payment.id) == 0
    db.session.commit()
    assert fake.refunds == {}
    flagged = db.session.get(Payment, payment.id)
    assert flagged.flags["refund_by_hand"] == 700
    assert refund_excess(db.session, payment.id) == 0
    db.session.commit()
    from portal.models import AuditEvent

    kinds = list(db.session.scalars(sa.select(AuditEvent.action)))
    assert kinds.count("payment.refund_by_hand") == 1


def test_sandbox_boleto_is_valid_and_its_simulated_payment_applies_once(app):
    with app.app_context():
        payment = _open_boleto()
        boleto = parse_line(payment.boleto_line)
        assert boleto.bank == "999" and boleto.amount_cents == payment.amount_cents
        assert payment.voucher_url.endswith(f"/sandbox/boleto/{payment.provider_ref}")
        event = provider().simulate_success(payment.provider_ref, now_utc())
        for _ in range(2):
            process_event(db.session, "sandbox", event, now=now_utc())
            db.session.commit()
        assert installment_of(payment).paid_cents == payment.amount_cents
