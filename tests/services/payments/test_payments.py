"""portal/services/payments/service.py with the sandbox provider: attempts, events exactly once,
late successes, held amounts, duplicates refunded, expiry and reconciliation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.payments.base import ProviderEvent, ProviderPayment
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.payments import PaymentStatus
from portal.extensions import db
from portal.models import OutboxEvent, Payment, ProviderEventRecord
from portal.services.payments import (
    PaymentUnavailable,
    expire_attempts,
    process_event,
    provider,
    reconcile,
    refund_excess,
    start_payment,
)
from tests.journey_helpers import debt_world, make_agreement

P = PaymentStatus


@pytest.fixture(autouse=True)
def _context(app: Flask):  # type: ignore[no-untyped-def]
    """These services read the app's configuration and provider: run inside its context."""
    with app.app_context():
        yield


def _agreement(payments: int = 3):  # type: ignore[no-untyped-def]
    return make_agreement(debt_world(), payment_count=payments)


def _start(agreement, number: int = 0, method: str = "pix") -> Payment:  # type: ignore[no-untyped-def]
    payment = start_payment(
        db.session, agreement.installments[number].id, method, actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    return payment


def _paid_event(payment: Payment, event_id: str = "evt_1", **changes: object) -> ProviderEvent:
    """The payer's bank paid this attempt's code; the provider reports it."""
    reported = provider().simulate_success(str(payment.provider_ref), now_utc()).payment
    values: dict[str, object] = {
        "status": P.SUCCEEDED,
        "amount_received_cents": payment.amount_cents,
        **changes,
    }
    reported = replace(reported, **values)  # type: ignore[arg-type]
    return ProviderEvent(
        event_id=event_id, type="payment_intent.succeeded", created=now_utc(), payment=reported
    )


def _process(event: ProviderEvent) -> str:
    outcome = process_event(db.session, "sandbox", event, now=now_utc())
    db.session.commit()
    return outcome.action


def test_start_pix_gives_a_real_code_and_reuses_the_open_attempt(app: Flask) -> None:
    from portal.domain.pix import parse_brcode

    agreement = _agreement()
    first = _start(agreement)
    assert first.status == "awaiting"
    code = parse_brcode(str(first.pix_payload))
    assert code.amount_cents == agreement.installments[0].amount_cents
    assert first.idempotency_key.startswith(f"inst:{agreement.installments[0].id}:pix:1:")
    again = _start(agreement)
    assert again.id == first.id


def test_switching_method_cancels_the_open_attempt_first(app: Flask) -> None:
    agreement = _agreement()
    pix = _start(agreement, method="pix")
    card = _start(agreement, method="card")
    db.session.refresh(pix)
    assert pix.status == "canceled"
    assert card.status == "awaiting" and card.attempt == 2
    open_attempts = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Payment)
        .where(Payment.status.in_(["created", "awaiting", "processing"]))
    )
    assert open_attempts == 1


def test_installments_are_paid_in_order(app: Flask) -> None:
    agreement = _agreement()
    with pytest.raises(PaymentUnavailable):
        start_payment(db.session, agreement.installments[1].id, "pix", actor=SYSTEM, now=now_utc())


def test_the_same_event_five_times_applies_once(app: Flask) -> None:
    """Scenario 16 (sequential here; concurrently on PostgreSQL in the concurrency tests)."""
    agreement = _agreement()
    payment = _start(agreement)
    event = _paid_event(payment)
    outcomes = [_process(event) for _ in range(5)]
    assert outcomes == ["succeeded"] + ["duplicate_event"] * 4
    db.session.refresh(agreement)
    assert agreement.installments[0].status == "paid"
    assert agreement.state == "active"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) == 1
    types = set(db.session.scalars(sa.select(OutboxEvent.type)))
    assert "payment.succeeded" in types


def test_two_event_ids_for_one_payment_make_one_payment(app: Flask) -> None:
    """Scenario 17."""
    agreement = _agreement()
    payment = _start(agreement)
    assert _process(_paid_event(payment, "evt_a")) == "succeeded"
    assert _process(_paid_event(payment, "evt_b")) == "ignored"
    db.session.refresh(payment)
    assert payment.applied_cents == agreement.installments[0].amount_cents


def test_out_of_order_processing_after_success_is_ignored(app: Flask) -> None:
    """Scenario 18."""
    agreement = _agreement()
    payment = _start(agreement)
    _process(_paid_event(payment, "evt_ok"))
    late = ProviderEvent(
        "evt_late",
        "payment_intent.processing",
        now_utc(),
        replace(_paid_event(payment).payment, status=P.PROCESSING),
    )
    assert _process(late) == "ignored"
    db.session.refresh(payment)
    assert payment.status == "succeeded"


def test_late_success_after_local_expiry_is_applied_and_flagged(app: Flask) -> None:
    """Scenario 19: the expiry job asks the provider; a success arriving later is forced."""
    # À vista: an immediate Pix that expires within the hour (an installment's has a due date).
    agreement = _agreement(payments=1)
    payment = _start(agreement)
    assert expire_attempts(db.session, now_utc() + timedelta(hours=2)) == 1
    db.session.commit()
    db.session.refresh(payment)
    assert payment.status == "expired"
    assert _process(_paid_event(payment, "evt_late")) == "late_success"
    db.session.refresh(payment)
    assert payment.flags["late_success"] is True
    db.session.refresh(agreement)
    assert agreement.installments[0].status == "paid"


def test_expiry_asks_the_provider_first(app: Flask) -> None:
    # À vista: an immediate Pix that expires within the hour (an installment's has a due date).
    agreement = _agreement(payments=1)
    payment = _start(agreement)
    provider().simulate_success(str(payment.provider_ref), now_utc())  # paid at the bank
    expire_attempts(db.session, now_utc() + timedelta(hours=2))
    db.session.commit()
    db.session.refresh(payment)
    assert payment.status == "succeeded"
    assert payment.applied_cents == payment.amount_cents


def test_a_wrong_amount_is_held_not_applied(app: Flask) -> None:
    agreement = _agreement()
    payment = _start(agreement)
    event = _paid_event(payment, amount_received_cents=payment.amount_cents - 1)
    assert _process(event) == "held"
    db.session.refresh(payment)
    assert payment.flags["held"] is True
    assert payment.flags["amount_mismatch"]["received_cents"] == payment.amount_cents - 1
    db.session.refresh(agreement)
    assert agreement.installments[0].status == "pending"
    usd = _paid_event(payment, "evt_usd", currency="usd")
    assert _process(usd) == "ignored"  # already succeeded (held); a repeat changes nothing


def test_two_paid_codes_second_is_refunded(app: Flask) -> None:
    """Scenario 26: both Pix codes paid → the second is a duplicate, refunded; net ≤ due."""
    agreement = _agreement()
    first = _start(agreement, method="pix")
    second_attempt = _start(agreement, method="card")  # the Pix attempt gets cancelled
    assert _process(_paid_event(second_attempt, "evt_card")) == "succeeded"
    # ... and the payer also paid the first (now cancelled) Pix code
    assert _process(_paid_event(first, "evt_pix_late")) == "duplicate"
    db.session.refresh(first)
    assert first.flags["duplicate"] is True
    assert first.excess_cents == first.amount_received_cents
    assert first.refunded_cents == first.excess_cents  # the refund task ran after commit
    assert first.status == "refunded"
    installment = agreement.installments[0]
    db.session.refresh(installment)
    assert installment.paid_cents == installment.amount_cents
    net = sum(p.applied_cents for p in db.session.scalars(sa.select(Payment)))
    assert net == installment.amount_cents
    assert refund_excess(db.session, first.id) == 0  # idempotent


def test_payment_after_the_agreement_ended_is_refunded(app: Flask) -> None:
    from portal.services.negotiation import cancel_by_debtor

    agreement = _agreement()
    payment = _start(agreement)
    cancel_by_debtor(db.session, agreement, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert _process(_paid_event(payment, "evt_after")) == "duplicate"
    db.session.refresh(payment)
    assert payment.applied_cents == 0 and payment.status == "refunded"


def test_unknown_types_and_payments_are_acknowledged(app: Flask) -> None:
    """Scenario 21."""
    assert _process(ProviderEvent("evt_x", "customer.created", now_utc(), None)) == ("ignored_type")
    stranger = ProviderPayment(
        provider_ref="pi_unknown", status=P.SUCCEEDED, amount_cents=100, amount_received_cents=100
    )
    assert _process(ProviderEvent("evt_y", "payment_intent.succeeded", now_utc(), stranger)) == (
        "unknown_payment"
    )


def test_reconcile_settles_what_was_paid_at_the_provider(app: Flask) -> None:
    """Scenario 24 with the sandbox: paid at the bank, no event arrived."""
    agreement = _agreement()
    payment = _start(agreement)
    provider().simulate_success(str(payment.provider_ref), now_utc())
    db.session.commit()
    counts = reconcile(db.session, now_utc() + timedelta(minutes=10))
    db.session.commit()
    assert counts["applied"] == 1
    db.session.refresh(payment)
    assert payment.status == "succeeded"


def test_full_payment_completes_the_agreement_with_receipts(app: Flask) -> None:
    agreement = _agreement(payments=2)
    for number in (0, 1):
        payment = _start(agreement, number)
        _process(_paid_event(payment, f"evt_{number}"))
    db.session.refresh(agreement)
    assert agreement.state == "completed"
    kinds = set(
        db.session.scalars(
            sa.text("SELECT kind FROM documents WHERE agreement_id = :a").bindparams(a=agreement.id)
        )
    )
    assert {"receipt", "discharge", "terms"} <= kinds


def test_events_are_numbered_per_company_in_causal_order(app: Flask) -> None:
    """The last payment's event comes before the completion it causes; numbers are 1, 2, 3 …
    per creditor, and every webhook body carries its number."""
    from portal.services.integration.webhooks import payload

    agreement = _agreement(payments=2)
    for number in (0, 1):
        _process(_paid_event(_start(agreement, number), f"evt_seq_{number}"))
    events = db.session.scalars(
        sa.select(OutboxEvent)
        .where(OutboxEvent.creditor_id == agreement.creditor_id)
        .order_by(OutboxEvent.sequence)
    ).all()
    types = [event.type for event in events]
    assert types[-2:] == ["payment.succeeded", "agreement.completed"]
    assert [event.sequence for event in events] == list(range(1, len(events) + 1))
    assert types.index("agreement.accepted") < types.index("payment.succeeded")
    body = payload(events[-1])
    assert f'"sequence":{events[-1].sequence}'.encode() in body
