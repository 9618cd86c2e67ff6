"""Starting a payment while another transaction settles the installment (PostgreSQL only:
SQLite's writers queue whole transactions, so the interleaving cannot happen there).

The "pay" page reads the debtor's agreement and installments first, then starts the payment,
which locks the installment's row. If a success was committed in between (the Pix code paid
while the debtor pressed "pay by card"), the lock must see the row as it is now: the
installment is paid, nothing new may be charged. Issue 12, "one live charge per installment".
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.payments.base import ProviderEvent
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.payments import OPEN, PaymentStatus
from portal.extensions import db
from portal.models import Agreement, Installment, Payment
from portal.services.payments import PaymentUnavailable, process_event, provider, start_payment
from tests.journey_helpers import debt_world, make_agreement

pytestmark = pytest.mark.postgres


def _pay_in_full(installment_id: int) -> None:
    """Another request: a Pix attempt for the installment, paid and applied, committed."""
    payment = start_payment(db.session, installment_id, "pix", actor=SYSTEM, now=now_utc())
    db.session.commit()
    reported = provider().simulate_success(str(payment.provider_ref), now_utc()).payment
    reported = replace(
        reported, status=PaymentStatus.SUCCEEDED, amount_received_cents=payment.amount_cents
    )
    event = ProviderEvent(
        event_id=f"evt_race_{payment.id}",
        type="payment_intent.succeeded",
        created=now_utc(),
        payment=reported,
    )
    process_event(db.session, "sandbox", event, now=now_utc())
    db.session.commit()


def test_a_payment_started_on_a_stale_read_of_a_paid_installment_is_refused(
    committed: Flask,
) -> None:
    with committed.app_context():
        agreement = make_agreement(debt_world(), payment_count=3)
        agreement_id, installment_id = agreement.id, agreement.installments[0].id
        db.session.remove()
    with committed.app_context():  # the "pay by card" request
        agreement = db.session.get_one(Agreement, agreement_id)
        assert agreement.installments[0].status == "pending"  # read before the lock
        with committed.app_context():  # meanwhile, the Pix code is paid
            _pay_in_full(installment_id)
            db.session.remove()
        with pytest.raises(PaymentUnavailable):
            start_payment(db.session, installment_id, "card", actor=SYSTEM, now=now_utc())
        db.session.rollback()
        db.session.remove()
    with committed.app_context():
        installment = db.session.get_one(Installment, installment_id)
        assert installment.status == "paid"
        payments = db.session.scalars(
            sa.select(Payment).where(Payment.installment_id == installment_id)
        ).all()
        assert [(p.method, p.status) for p in payments] == [("pix", "succeeded")]
        assert not [p for p in payments if p.status in OPEN]
        db.session.remove()
