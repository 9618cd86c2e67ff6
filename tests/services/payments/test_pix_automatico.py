"""portal/services/payments/recurring*.py with the sandbox playing the payer's bank: the
authorisation (asked, approved, cancelled), nothing charged without it, each installment's
cobr sent in its window, collected exactly once through the ordinary payment path, a failure
retried per the policy and told to the debtor."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.email.outbox import get_outbox_message, list_outbox
from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.core.uow import unit_per_step
from portal.extensions import db
from portal.models import (
    Agreement,
    AuditEvent,
    Document,
    OutboxEvent,
    Payment,
    PixRecurrence,
    RecurringCharge,
    SandboxCharge,
)
from portal.services.payments import PaymentUnavailable, provider, start_payment
from portal.services.payments.recurring import (
    cancel_authorisation,
    current_recurrence,
    recurrence_offer,
    request_authorisation,
)
from portal.services.payments.recurring_charges import pix_automatico_steps
from tests.journey_helpers import debt_world, make_agreement


@pytest.fixture(autouse=True)
def _context(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context():
        yield


def _agreement(payments: int = 3) -> Agreement:
    return make_agreement(
        debt_world(), payment_count=payments, first_due=today_br() + timedelta(days=3)
    )


def _request(agreement: Agreement) -> PixRecurrence:
    recurrence = request_authorisation(
        db.session, agreement.id, actor=SYSTEM, now=now_utc(), today=today_br()
    )
    db.session.commit()
    return recurrence


def _bank_answers(recurrence: PixRecurrence, approve: bool = True) -> None:
    provider().simulate_recurrence_answer(str(recurrence.provider_ref), approve)
    db.session.commit()


def _run(today: date) -> list[str]:
    return [
        a
        for step in unit_per_step(pix_automatico_steps(db.session, today, now_utc()))
        for a in step
    ]


def _actions(agreement: Agreement) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                AuditEvent.action.like("pix_automatico.%"),
                AuditEvent.creditor_id == agreement.creditor_id,
            )
            .order_by(AuditEvent.id)
        )
    )


def test_the_offer_lists_the_installments_still_chargeable_in_time() -> None:
    agreement = _agreement()
    offer = recurrence_offer(db.session, agreement, today_br())
    assert offer is not None
    # The entrada is due in three days: its charge (two days ahead at the latest) still fits.
    assert [i.number for i in offer.installments] == [0, 1, 2]
    assert offer.total_cents == sum(i.amount_cents for i in agreement.installments)
    later = recurrence_offer(db.session, agreement, today_br() + timedelta(days=2))
    assert later is not None and [i.number for i in later.installments] == [1, 2]
    single = make_agreement(debt_world(), payment_count=1)
    assert recurrence_offer(db.session, single, today_br()) is None


def test_requesting_gives_a_recurrence_code_and_nothing_is_charged_until_approved() -> None:
    from portal.domain.pix import parse_brcode

    agreement = _agreement()
    recurrence = _request(agreement)
    assert recurrence.status == "requested"
    assert parse_brcode(str(recurrence.pix_payload)).is_recurring
    assert _request(agreement).id == recurrence.id  # a double click gives the same one
    assert recurrence_offer(db.session, agreement, today_br()) is None  # one live at a time
    # Inside the entrada's window, but not authorised: no charge, no payment attempt.
    assert "charge_created" not in _run(today_br())
    assert db.session.scalar(sa.select(sa.func.count(RecurringCharge.id))) == 0
    assert _actions(agreement) == ["pix_automatico.requested"]


def test_approved_then_charged_in_the_window_and_collected_once() -> None:
    agreement = _agreement()
    recurrence = _request(agreement)
    _bank_answers(recurrence)
    done = _run(today_br())  # the poll sees the approval, then sends the entrada's cobr
    assert "recurrence_approved" in done and done.count("charge_created") == 1
    db.session.refresh(recurrence)
    assert recurrence.status == "approved" and recurrence.approved_at is not None
    charge = db.session.scalar(sa.select(RecurringCharge))
    assert charge is not None and charge.installment.number == 0
    assert charge.payment.status == "awaiting" and charge.payment.flags["pix_automatico"]
    assert charge.payment.amount_cents == agreement.installments[0].amount_cents
    # The next run: the payer's bank debited it; applied through the payment path.
    done = _run(today_br())
    assert "collected_succeeded" in done
    db.session.refresh(charge)
    assert charge.outcome == "collected" and charge.payment.status == "succeeded"
    db.session.refresh(agreement)
    assert agreement.installments[0].is_paid and agreement.state == "active"
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Document.id)).where(
                Document.agreement_id == agreement.id, Document.kind == "receipt"
            )
        )
        == 1
    )
    events = list(
        db.session.scalars(
            sa.select(OutboxEvent.type).where(OutboxEvent.creditor_id == agreement.creditor_id)
        )
    )
    assert events.count("payment.succeeded") == 1
    # Again: nothing new is charged or applied (the next installment is a month away).
    assert _run(today_br()) == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Payment.id)).where(
                Payment.status == "succeeded", Payment.agreement_id == agreement.id
            )
        )
        == 1
    )
    # Ten days before the next one: its cobr goes out.
    second_due = agreement.installments[1].due_date
    assert _run(second_due - timedelta(days=11)) == []
    assert _run(second_due - timedelta(days=10)) == ["charge_created"]


def test_a_failure_is_retried_and_the_debtor_told(app: Flask) -> None:
    agreement = _agreement()
    recurrence = _request(agreement)
    _bank_answers(recurrence)
    provider().simulate_recurring_failures(str(recurrence.provider_ref), 1)
    db.session.commit()
    _run(today_br())  # approval seen, cobr sent
    due = agreement.installments[0].due_date
    assert _run(due) == ["charge_retry"]
    charge = db.session.scalar(sa.select(RecurringCharge))
    assert (
        charge is not None
        and charge.retries == 1
        and charge.next_retry_on == due + timedelta(days=1)
    )
    assert charge.last_rejection == "AM04" and charge.payment.status == "awaiting"
    assert _run(due + timedelta(days=1)) == ["collected_succeeded"]
    db.session.refresh(agreement)
    assert agreement.installments[0].is_paid
    assert "pix_automatico.charge_failed" in _actions(agreement)
    outbox = app.config["DEV_OUTBOX_DIR"]
    texts = [
        get_outbox_message(outbox, e.key).text
        for e in list_outbox(outbox)
        if e.subject == "Não conseguimos debitar a sua parcela"
    ]
    text = next(t for t in texts if f"acordo nº {agreement.id} " in t)
    assert f"vamos tentar de novo em {due + timedelta(days=1):%d/%m/%Y}" in text


def test_without_retries_left_the_charge_ends_and_the_debtor_pays_by_pix() -> None:
    agreement = _agreement()
    recurrence = _request(agreement)
    _bank_answers(recurrence)
    provider().simulate_recurring_failures(str(recurrence.provider_ref), 9)
    db.session.commit()
    _run(today_br())
    due = agreement.installments[0].due_date
    results = [a for day in range(0, 8) for a in _run(due + timedelta(days=day))]
    assert results.count("charge_retry") == 3 and results[-1] == "charge_failed"
    charge = db.session.scalar(sa.select(RecurringCharge))
    assert charge is not None and charge.outcome == "ended" and charge.payment.status == "canceled"
    # She can still pay it by Pix as usual.
    manual = start_payment(
        db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    assert manual.status == "awaiting" and manual.pix_payload


def test_paying_by_hand_closes_the_open_charge_instead_of_reusing_it() -> None:
    agreement = _agreement()
    recurrence = _request(agreement)
    _bank_answers(recurrence)
    _run(today_br())
    charge = db.session.scalar(sa.select(RecurringCharge))
    assert charge is not None
    manual = start_payment(
        db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    assert manual.id != charge.payment_id and manual.pix_payload
    db.session.refresh(charge)
    assert charge.payment.status == "canceled"
    assert _run(today_br()) == ["charge_ended"]  # the closed attempt ends the charge
    assert _run(today_br()) == []  # and it is not sent again


def test_cancelling_stops_collection() -> None:
    agreement = _agreement()
    recurrence = _request(agreement)
    _bank_answers(recurrence)
    _run(today_br())
    cancelled = cancel_authorisation(db.session, agreement.id, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert cancelled is not None and cancelled.status == "cancelled"
    assert cancelled.cancelled_by == "payer" and cancelled.ended_at is not None
    charge = db.session.scalar(sa.select(RecurringCharge))
    assert charge is not None and charge.outcome == "ended" and charge.payment.status == "canceled"
    second_due = agreement.installments[1].due_date
    assert _run(second_due - timedelta(days=5)) == []
    assert db.session.scalar(sa.select(sa.func.count(RecurringCharge.id))) == 1
    assert _actions(agreement)[-1] == "pix_automatico.cancelled"
    # A new request is offered again.
    assert recurrence_offer(db.session, agreement, today_br()) is not None
    assert cancel_authorisation(db.session, agreement.id, actor=SYSTEM, now=now_utc()) is None


def test_the_payer_cancelling_at_her_bank_is_seen_and_recorded() -> None:
    agreement = _agreement()
    recurrence = _request(agreement)
    _bank_answers(recurrence)
    _run(today_br())
    provider().simulate_payer_cancel(str(recurrence.provider_ref))
    db.session.commit()
    assert _run(today_br()) == ["recurrence_cancelled"]
    db.session.refresh(recurrence)
    assert recurrence.cancelled_by == "payer" and recurrence.end_code == "ACCL"
    assert "cancelled_via" not in recurrence.flags
    charge = db.session.scalar(sa.select(RecurringCharge))
    assert charge is not None and charge.outcome == "ended" and charge.payment.status == "canceled"
    row = db.session.scalar(
        sa.select(SandboxCharge).where(SandboxCharge.ref == recurrence.provider_ref)
    )
    assert row is not None and row.status == "cancelled"


def test_a_rejected_authorisation_charges_nothing() -> None:
    agreement = _agreement()
    recurrence = _request(agreement)
    _bank_answers(recurrence, approve=False)
    assert _run(today_br()) == ["recurrence_rejected"]
    assert current_recurrence(db.session, agreement).status == "rejected"  # type: ignore[union-attr]
    assert db.session.scalar(sa.select(sa.func.count(RecurringCharge.id))) == 0


def test_no_authorisation_for_a_finished_agreement() -> None:
    agreement = _agreement()
    agreement.state = "cancelled"
    db.session.commit()
    with pytest.raises(PaymentUnavailable):
        request_authorisation(
            db.session, agreement.id, actor=SYSTEM, now=now_utc(), today=today_br()
        )
    db.session.rollback()
