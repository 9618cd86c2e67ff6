"""Webhooks under real concurrency, and a Hypothesis state machine (PostgreSQL only).

Invariants (requirements.md §0.4 and scenario 30): net paid never exceeds what is due; every
success at Stripe is present locally after reconciliation; only allowed transitions.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from portal.adapters.payments.stripe import StripeProvider
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.payments import ALLOWED, FORCED, PaymentStatus
from portal.extensions import db
from portal.models import Installment, Payment
from portal.services.payments import reconcile, start_payment
from tests.fake_stripe import FakeStripe
from tests.journey_helpers import debt_world, make_agreement

pytestmark = pytest.mark.postgres
SECRET = "whsec_concurrency"


def _use_fake(app: Flask, fake: FakeStripe) -> tuple[Any, str]:
    previous = app.extensions["payment_provider"], app.config["PAYMENT_PROVIDER"]
    app.extensions["payment_provider"] = StripeProvider(
        "sk_test_x", (SECRET,), http_client=fake, max_network_retries=0
    )
    app.config["PAYMENT_PROVIDER"] = "stripe"
    return previous


def _deliver_concurrently(app: Flask, fake: FakeStripe, events: list[dict[str, Any]]) -> list[int]:
    barrier = threading.Barrier(len(events))
    statuses: list[int] = []

    def post(event: dict[str, Any]) -> None:
        body, headers = fake.signed(event, SECRET)
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/callbacks/stripe", data=body, headers=headers).status_code)

    threads = [threading.Thread(target=post, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _setup(app: Flask, payments: int = 2) -> tuple[int, int, str]:
    with app.app_context():
        agreement = make_agreement(debt_world(), payment_count=payments)
        payment = start_payment(
            db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
        )
        db.session.commit()
        result = payment.id, payment.installment_id, str(payment.provider_ref)
        db.session.remove()
        return result


def test_the_same_event_five_times_at_once(committed: Flask) -> None:
    """Scenario 16: 5 concurrent deliveries → one payment applied, 5 × 2xx."""
    fake = FakeStripe()
    previous = _use_fake(committed, fake)
    try:
        _payment_id, installment_id, ref = _setup(committed)
        fake.pay_pix(ref)
        event = fake.events("payment_intent.succeeded")[-1]
        statuses = _deliver_concurrently(committed, fake, [event] * 5)
        assert statuses == [200] * 5
        with committed.app_context():
            installment = db.session.get(Installment, installment_id)
            assert installment.status == "paid"
            assert installment.paid_cents == installment.amount_cents
            assert db.session.scalar(sa.text("SELECT count(*) FROM provider_events")) == 1
            db.session.remove()
    finally:
        committed.extensions["payment_provider"], committed.config["PAYMENT_PROVIDER"] = previous


def test_different_events_for_one_intent_at_once(committed: Flask) -> None:
    """Scenario 17 concurrently: a lock conflict answers 5xx; Stripe's retry is ignored."""
    fake = FakeStripe()
    previous = _use_fake(committed, fake)
    try:
        _payment_id, installment_id, ref = _setup(committed)
        fake.pay_pix(ref)
        events = fake.events(["payment_intent.succeeded", "charge.succeeded"])
        events += [
            fake.events("payment_intent.succeeded")[-1] | {"id": f"evt_retry_{n}"} for n in range(3)
        ]
        statuses = _deliver_concurrently(committed, fake, events)
        assert set(statuses) <= {200, 503}
        retry = [e for e, s in zip(events, statuses, strict=True) if s == 503]
        for event in retry:  # what Stripe does after a 5xx
            body, headers = fake.signed(event, SECRET)
            assert (
                committed.test_client()
                .post("/callbacks/stripe", data=body, headers=headers)
                .status_code
                == 200
            )
        with committed.app_context():
            installment = db.session.get(Installment, installment_id)
            assert installment.paid_cents == installment.amount_cents
            applied = db.session.scalar(sa.select(sa.func.sum(Payment.applied_cents)))
            assert applied == installment.amount_cents
            db.session.remove()
    finally:
        committed.extensions["payment_provider"], committed.config["PAYMENT_PROVIDER"] = previous


class PaymentMachine(RuleBasedStateMachine):
    """Random interleavings of create, pay, deliver (twice, late, out of order), expire,
    reconcile. The app and fake are set up per example by the test below."""

    app: Flask
    fake: FakeStripe

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.transitions_ok = True
        with self.app.app_context():
            agreement = make_agreement(debt_world(), payment_count=2)
            self.installment_id = agreement.installments[0].id
            self.due = agreement.installments[0].amount_cents
            db.session.remove()

    def _ctx(self) -> Any:
        return self.app.app_context()

    @rule()
    def open_attempt(self) -> None:
        with self._ctx():
            try:
                start_payment(db.session, self.installment_id, "pix", actor=SYSTEM, now=now_utc())
                db.session.commit()
            except Exception:
                db.session.rollback()
            db.session.remove()

    @rule()
    def payer_pays_an_open_code(self) -> None:
        for intent_id, intent in list(self.fake.payment_intents.items()):
            if intent["status"] == "requires_action":
                self.fake.pay_pix(intent_id)
                break
        self._collect()

    def _collect(self) -> None:
        seen = {e["id"] for e in self.pending + self.delivered}
        self.pending += [e for e in self.fake.events() if e["id"] not in seen]

    @precondition(lambda self: bool(self.pending))
    @rule(index=st.integers(0, 50), twice=st.booleans())
    def deliver_one(self, index: int, twice: bool) -> None:
        event = self.pending.pop(index % len(self.pending))
        for _ in range(2 if twice else 1):
            body, headers = self.fake.signed(event, SECRET)
            status = (
                self.app.test_client()
                .post("/callbacks/stripe", data=body, headers=headers)
                .status_code
            )
            assert status in (200, 503)
        self.delivered.append(event)

    @precondition(lambda self: bool(self.pending))
    @rule()
    def lose_an_event(self) -> None:
        event = self.pending.pop(0)
        self.fake.undeliver(event["id"])

    @rule()
    def reconcile_now(self) -> None:
        with self._ctx():
            reconcile(db.session, now_utc())
            db.session.commit()
            db.session.remove()

    @invariant()
    def net_paid_never_exceeds_due(self) -> None:
        with self._ctx():
            applied = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(Payment.applied_cents), 0)).where(
                    Payment.installment_id == self.installment_id
                )
            )
            refunded_excess = db.session.scalars(
                sa.select(Payment).where(Payment.installment_id == self.installment_id)
            ).all()
            assert applied <= self.due
            for payment in refunded_excess:
                assert (
                    payment.applied_cents + payment.excess_cents
                    == (payment.amount_received_cents or 0)
                    or payment.status != "succeeded"
                    or payment.flags.get("held")
                )
                assert PaymentStatus(payment.status) in PaymentStatus
            db.session.remove()

    def teardown(self) -> None:
        # After a final reconciliation every success at Stripe is present locally.
        with self._ctx():
            for event in self.pending:
                self.fake.undeliver(event["id"])
            reconcile(db.session, now_utc())
            db.session.commit()
            succeeded = {
                pi
                for pi, intent in self.fake.payment_intents.items()
                if intent["status"] == "succeeded"
            }
            local = set(
                db.session.scalars(
                    sa.select(Payment.payment_intent_id).where(
                        Payment.status.in_(["succeeded", "refunded"])
                    )
                )
            )
            assert succeeded <= local
            db.session.remove()


def test_payment_state_machine(committed: Flask) -> None:
    """Scenario 30."""
    assert not (ALLOWED & FORCED)
    fake = FakeStripe()
    previous = _use_fake(committed, fake)
    PaymentMachine.app = committed
    PaymentMachine.fake = fake
    try:
        runner = PaymentMachine.TestCase
        runner.settings = settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        runner("runTest").runTest()
    finally:
        committed.extensions["payment_provider"], committed.config["PAYMENT_PROVIDER"] = previous
