"""An early payment's success delivered by Stripe several times at once (PostgreSQL only):
the covered installments are settled once, the money credited once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.payments.stripe import StripeProvider
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import Installment, OutboxEvent, Payment
from portal.services.payments import start_early_payment
from tests.fake_stripe import FakeStripe
from tests.journey_helpers import debt_world, make_agreement

pytestmark = pytest.mark.postgres
SECRET = "whsec_early_concurrency"


def test_the_same_settlement_event_five_times_at_once(committed: Flask) -> None:
    fake = FakeStripe()
    previous = committed.extensions["payment_provider"], committed.config["PAYMENT_PROVIDER"]
    committed.extensions["payment_provider"] = StripeProvider(
        "sk_test_x", (SECRET,), http_client=fake, max_network_retries=0
    )
    committed.config["PAYMENT_PROVIDER"] = "stripe"
    try:
        with committed.app_context():
            world = debt_world(policy="horizonte", amounts=(150_000, 90_000), days_late=90)
            agreement = make_agreement(world, payment_count=4)
            payment = start_early_payment(
                db.session,
                agreement.id,
                "settlement",
                None,
                "pix",
                actor=SYSTEM,
                now=now_utc(),
            )
            db.session.commit()
            agreement_id, amount, ref = agreement.id, payment.amount_cents, payment.provider_ref
            db.session.remove()
        fake.pay_pix(str(ref))
        event = fake.events("payment_intent.succeeded")[-1]
        barrier = threading.Barrier(5)
        statuses: list[int] = []

        def post(body_headers: tuple[bytes, dict[str, Any]]) -> None:
            client = committed.test_client()
            barrier.wait()
            body, headers = body_headers
            statuses.append(
                client.post("/callbacks/stripe", data=body, headers=headers).status_code
            )

        threads = [
            threading.Thread(target=post, args=(fake.signed(event, SECRET),)) for _ in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert set(statuses) <= {200, 503}
        for _ in range(statuses.count(503)):  # what Stripe does after a 5xx
            body, headers = fake.signed(event, SECRET)
            assert (
                committed.test_client()
                .post("/callbacks/stripe", data=body, headers=headers)
                .status_code
                == 200
            )
        with committed.app_context():
            installments = db.session.scalars(
                sa.select(Installment).where(Installment.agreement_id == agreement_id)
            ).all()
            assert [i.status for i in installments] == ["paid"] * 4
            assert sum(i.paid_cents for i in installments) == amount
            applied = db.session.scalar(sa.select(sa.func.sum(Payment.applied_cents)))
            assert applied == amount
            assert db.session.scalar(sa.text("SELECT count(*) FROM provider_events")) == 1
            succeeded = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.type == "payment.succeeded")
            )
            assert succeeded == 1
            db.session.remove()
    finally:
        committed.extensions["payment_provider"], committed.config["PAYMENT_PROVIDER"] = previous
