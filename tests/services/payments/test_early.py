"""portal/services/payments/early.py with the sandbox provider: "Quitar agora" and "Antecipar
parcelas" quoted on the server, paid by one attempt covering several installments, applied
exactly once, told to the company."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.adapters.payments.base import ProviderEvent
from portal.core.clock import BRASILIA, now_utc, today_br
from portal.core.context import SYSTEM
from portal.domain.payments import PaymentStatus
from portal.domain.payoff import settlement
from portal.extensions import db
from portal.models import (
    Agreement,
    AuditEvent,
    Document,
    OutboxEvent,
    Payment,
    PaymentCover,
)
from portal.services.payments import (
    PaymentUnavailable,
    early_options,
    early_quote,
    process_event,
    provider,
    start_early_payment,
    start_payment,
)
from tests.journey_helpers import debt_world, make_agreement

P = PaymentStatus
RATE = Decimal("2.49")  # the "horizonte" demo policy's plan rate, a month


@pytest.fixture(autouse=True)
def _context(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context():
        yield


def _agreement(payments: int = 4) -> tuple[Agreement, date]:
    """An agreement on the 2,49 % plan whose first payment is in three days (the anchor)."""
    anchor = today_br() + timedelta(days=3)
    world = debt_world(policy="horizonte", amounts=(150_000, 90_000), days_late=90)
    return make_agreement(world, payment_count=payments, first_due=anchor), anchor


def _paid_event(payment: Payment, event_id: str, when: datetime) -> ProviderEvent:
    reported = provider().simulate_success(str(payment.provider_ref), when).payment
    reported = replace(reported, status=P.SUCCEEDED, amount_received_cents=payment.amount_cents)
    return ProviderEvent(event_id, "payment_intent.succeeded", when, reported)


def _process(event: ProviderEvent, when: datetime) -> str:
    outcome = process_event(db.session, "sandbox", event, now=when)
    db.session.commit()
    return outcome.action


def _pay_the_entrada(agreement: Agreement) -> None:
    entrada = start_payment(
        db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    assert _process(_paid_event(entrada, f"evt_entrada_{agreement.id}", now_utc()), now_utc())
    db.session.refresh(agreement)
    assert agreement.state == "active"


def _month_later(days: int = 30) -> tuple[datetime, date]:
    when = now_utc() + timedelta(days=days)
    return when, when.astimezone(BRASILIA).date()


def _months_elapsed(anchor: date, day: date) -> float:
    """τ by hand (whole months since the anchor plus the share of the current one), to check
    the service against an independent computation."""
    months = 0
    while _add_months(anchor, months + 1) <= day:
        months += 1
    start, end = _add_months(anchor, months), _add_months(anchor, months + 1)
    return months + (day - start).days / (end - start).days


def _add_months(day: date, months: int) -> date:
    import calendar

    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def test_settling_a_month_later_costs_the_present_value_of_what_is_left(app: Flask) -> None:
    agreement, anchor = _agreement()
    _pay_the_entrada(agreement)
    _when, day = _month_later()
    quote = early_quote(agreement, "settlement", None, day)
    open_installments = [i for i in agreement.installments if i.number >= 1]
    assert quote.numbers == (1, 2, 3)
    assert quote.face_cents == sum(i.amount_cents for i in open_installments)
    assert quote.valid_on == day
    # Each part is its installment discounted at 2,49 % a month for the time left (by hand,
    # in floating point: a centavo of slack), and together they are the domain's payoff.
    tau = _months_elapsed(anchor, day)
    for covered, installment in zip(quote.covered, open_installments, strict=True):
        by_hand = installment.amount_cents / 1.0249 ** (installment.number - tau)
        assert abs(covered.amount_cents - by_hand) < 1
        assert covered.owed_cents == installment.amount_cents
    owed = [(i.number, i.amount_cents) for i in open_installments]
    assert quote.amount_cents == settlement(owed, RATE, anchor, day).payoff_cents
    assert 0 < quote.discount_cents == quote.face_cents - quote.amount_cents
    # A day later costs more: less time is left to remove interest for.
    tomorrow = early_quote(agreement, "settlement", None, day + timedelta(days=1))
    assert quote.amount_cents < tomorrow.amount_cents < tomorrow.face_cents


def test_prepaying_covers_the_last_installments_backwards(app: Flask) -> None:
    agreement, _anchor = _agreement(payments=5)
    _pay_the_entrada(agreement)
    _when, day = _month_later(10)
    options = early_options(agreement, day)
    assert [q.numbers for q in options.prepayments] == [(4,), (3, 4), (2, 3, 4)]
    assert options.settlement is not None and options.settlement.numbers == (1, 2, 3, 4)
    one, two = options.prepayments[0], options.prepayments[1]
    # The last installment is the furthest away: its interest removed is the largest.
    assert one.discount_cents > two.covered[0].discount_cents > 0
    assert early_quote(agreement, "prepayment", 2, day) == two
    for bad in (0, 4, None):
        with pytest.raises(PaymentUnavailable):
            early_quote(agreement, "prepayment", bad, day)


def test_nothing_to_prepay_before_the_entrada_but_settling_covers_it_at_face_value(
    app: Flask,
) -> None:
    agreement, _anchor = _agreement(payments=3)
    today = today_br()
    options = early_options(agreement, today)
    assert options.prepayments == ()
    assert options.settlement is not None
    entrada = options.settlement.covered[0]
    assert (entrada.number, entrada.discount_cents) == (0, 0)
    # Settling before the release day: the financed part costs exactly the amount financed.
    from portal.domain.offers import Offer

    financed = Offer.from_json(agreement.evidence.offer_json).option(3).financed_cents
    assert financed < agreement.total_cents - agreement.down_payment_cents  # interest included
    assert options.settlement.amount_cents - entrada.amount_cents == financed


def test_no_early_payment_for_a_single_payment_or_a_closed_agreement(app: Flask) -> None:
    agreement, _anchor = _agreement(payments=1)
    assert early_options(agreement, today_br()).settlement is None
    with pytest.raises(PaymentUnavailable):
        start_early_payment(
            db.session, agreement.id, "settlement", None, "pix", actor=SYSTEM, now=now_utc()
        )


def test_settling_now_pays_everything_once_and_tells_the_company(app: Flask) -> None:
    agreement, _anchor = _agreement()
    _pay_the_entrada(agreement)
    when, day = _month_later()
    quote = early_quote(agreement, "settlement", None, day)
    payment = start_early_payment(
        db.session, agreement.id, "settlement", None, "pix", actor=SYSTEM, now=when
    )
    db.session.commit()
    assert (payment.kind, payment.amount_cents) == ("settlement", quote.amount_cents)
    assert payment.discount_cents == quote.discount_cents
    assert [(c.number, c.amount_cents) for c in payment.covers] == [
        (c.number, c.amount_cents) for c in quote.covered
    ]
    assert payment.idempotency_key.startswith(f"early:{agreement.id}:settlement:1-3:pix:1:")
    from portal.domain.pix import parse_brcode

    assert parse_brcode(str(payment.pix_payload)).amount_cents == quote.amount_cents
    started = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "payment.started", AuditEvent.subject_id == str(payment.id)
        )
    ).one()
    assert started.details["installment_numbers"] == [1, 2, 3]
    assert started.details["discount_cents"] == quote.discount_cents
    # The same request again (a double click) gives back the same attempt.
    again = start_early_payment(
        db.session, agreement.id, "settlement", None, "pix", actor=SYSTEM, now=when
    )
    assert again.id == payment.id

    event = _paid_event(payment, "evt_settle", when)
    outcomes = [_process(event, when) for _ in range(3)]
    assert outcomes == ["succeeded", "duplicate_event", "duplicate_event"]
    assert _process(replace(event, event_id="evt_settle_again"), when) == "ignored"

    db.session.refresh(agreement)
    assert agreement.state == "completed"
    for covered in quote.covered:
        installment = next(i for i in agreement.installments if i.id == covered.installment_id)
        assert installment.status == "paid"
        assert installment.paid_cents == covered.amount_cents
        assert installment.discount_cents == covered.discount_cents
        assert installment.open_cents == 0
    db.session.refresh(payment)
    assert (payment.applied_cents, payment.excess_cents) == (quote.amount_cents, 0)
    # Paid once: the money credited is the entrada plus today's amount, nothing more.
    assert sum(i.paid_cents for i in agreement.installments) == (
        agreement.down_payment_cents + quote.amount_cents
    )
    events = db.session.scalars(
        sa.select(OutboxEvent)
        .where(OutboxEvent.creditor_id == agreement.creditor_id)
        .order_by(OutboxEvent.sequence)
    ).all()
    succeeded = [e for e in events if e.type == "payment.succeeded"]
    assert len(succeeded) == 2  # the entrada's and this one: not one per redelivery
    data = succeeded[-1].data["payment"]
    assert data["kind"] == "settlement"
    assert data["installment_numbers"] == [1, 2, 3]
    assert data["discount_cents"] == quote.discount_cents
    assert data["amount_cents"] == quote.amount_cents
    assert [e.type for e in events][-2:] == ["payment.succeeded", "agreement.completed"]
    kinds = db.session.scalars(
        sa.select(Document.kind).where(Document.agreement_id == agreement.id)
    ).all()
    assert sorted(kinds) == ["discharge", "receipt", "receipt", "terms"]
    paid_audits = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "installment.paid",
            AuditEvent.details["agreement_id"].as_integer() == agreement.id,
        )
    ).all()
    assert sorted(a.details["number"] for a in paid_audits) == [0, 1, 2, 3]
    assert sum(a.details.get("discount_cents", 0) for a in paid_audits) == quote.discount_cents
    # The debtor's e-mail says it was early, what it settled and what it saved.
    from portal.adapters.email.outbox import get_outbox_message, list_outbox
    from portal.core.formatting import brl

    outbox = app.config["DEV_OUTBOX_DIR"]
    texts = [get_outbox_message(outbox, e.key).text for e in list_outbox(outbox)]
    mail = next(t for t in texts if f"O pagamento antecipado do acordo nº {agreement.id} com" in t)
    words = " ".join(mail.split())  # lines may wrap anywhere (and R$ keeps no NBSP here)
    assert "quitou a parcela 1, a parcela 2 e a parcela 3." in words
    assert f"você economizou {' '.join(brl(quote.discount_cents).split())}" in words


def test_prepaying_leaves_the_next_installments_to_pay(app: Flask) -> None:
    agreement, _anchor = _agreement(payments=5)
    _pay_the_entrada(agreement)
    when, day = _month_later(10)
    quote = early_quote(agreement, "prepayment", 2, day)
    payment = start_early_payment(
        db.session, agreement.id, "prepayment", 2, "card", actor=SYSTEM, now=when
    )
    db.session.commit()
    assert payment.checkout_url and payment.installment.number == 3
    assert _process(_paid_event(payment, "evt_prepay", when), when) == "succeeded"
    db.session.refresh(agreement)
    assert agreement.state == "active"
    assert [i.status for i in agreement.installments] == [
        "paid",
        "pending",
        "pending",
        "paid",
        "paid",
    ]
    assert sum(i.discount_cents for i in agreement.installments) == quote.discount_cents
    # Still payable in order, and a new quote covers only what is left.
    assert early_quote(agreement, "settlement", None, day).numbers == (1, 2)
    assert [q.numbers for q in early_options(agreement, day).prepayments] == [(2,)]


def test_the_next_installment_and_an_early_payment_close_each_other(app: Flask) -> None:
    agreement, _anchor = _agreement()
    _pay_the_entrada(agreement)
    when, _day = _month_later()
    regular = start_payment(db.session, agreement.installments[1].id, "pix", actor=SYSTEM, now=when)
    db.session.commit()
    early = start_early_payment(
        db.session, agreement.id, "settlement", None, "pix", actor=SYSTEM, now=when
    )
    db.session.commit()
    db.session.refresh(regular)
    assert regular.status == "canceled"
    again = start_payment(db.session, agreement.installments[1].id, "pix", actor=SYSTEM, now=when)
    db.session.commit()
    db.session.refresh(early)
    assert early.status == "canceled" and again.id != regular.id


def test_an_installment_paid_meanwhile_is_refunded_from_the_early_payment(app: Flask) -> None:
    """Both codes paid at the bank: the installment paid by its own code keeps that money;
    the early payment settles the others and its part for that one goes back."""
    agreement, _anchor = _agreement()
    _pay_the_entrada(agreement)
    when, day = _month_later()
    quote = early_quote(agreement, "settlement", None, day)
    early = start_early_payment(
        db.session, agreement.id, "settlement", None, "pix", actor=SYSTEM, now=when
    )
    db.session.commit()
    regular = start_payment(db.session, agreement.installments[1].id, "pix", actor=SYSTEM, now=when)
    db.session.commit()
    assert _process(_paid_event(regular, "evt_regular", when), when) == "succeeded"
    assert _process(_paid_event(early, "evt_early_late", when), when) == "late_success"
    db.session.refresh(early)
    first_part = quote.covered[0].amount_cents
    assert early.excess_cents == first_part == early.refunded_cents
    assert early.applied_cents == quote.amount_cents - first_part
    assert early.flags["duplicate"] is True
    db.session.refresh(agreement)
    assert agreement.state == "completed"
    first = agreement.installments[1]
    assert (first.paid_cents, first.discount_cents) == (first.amount_cents, 0)
    assert sum(i.discount_cents for i in agreement.installments) == sum(
        c.discount_cents for c in quote.covered[1:]
    )


def test_an_early_payment_for_an_ended_agreement_is_given_back(app: Flask) -> None:
    from portal.services.negotiation import cancel_by_debtor

    agreement, _anchor = _agreement(payments=3)
    when = now_utc()
    payment = start_early_payment(
        db.session, agreement.id, "settlement", None, "pix", actor=SYSTEM, now=when
    )
    db.session.commit()
    cancel_by_debtor(db.session, agreement, actor=SYSTEM, now=when)
    db.session.commit()
    assert _process(_paid_event(payment, "evt_after_end", when), when) == "duplicate"
    db.session.refresh(payment)
    assert payment.applied_cents == 0 and payment.status == "refunded"
    assert all(i.paid_cents == 0 for i in agreement.installments)


def test_covers_are_kept_with_the_attempt(app: Flask) -> None:
    agreement, _anchor = _agreement()
    _pay_the_entrada(agreement)
    when, _day = _month_later()
    payment = start_early_payment(
        db.session, agreement.id, "settlement", None, "card", actor=SYSTEM, now=when
    )
    db.session.commit()
    rows = db.session.scalars(
        sa.select(PaymentCover).where(PaymentCover.payment_id == payment.id)
    ).all()
    assert sum(r.amount_cents for r in rows) == payment.amount_cents
    assert sum(r.owed_cents - r.amount_cents for r in rows) == payment.discount_cents
    assert payment.installment_numbers == [1, 2, 3]


def test_the_receipt_says_it_was_an_early_payment_and_what_it_covered(app: Flask) -> None:
    from bs4 import BeautifulSoup

    from portal.core.formatting import brl
    from portal.services.documents import render_html, verify

    agreement, _anchor = _agreement(payments=5)
    _pay_the_entrada(agreement)
    when, day = _month_later(10)
    quote = early_quote(agreement, "prepayment", 2, day)
    payment = start_early_payment(
        db.session, agreement.id, "prepayment", 2, "pix", actor=SYSTEM, now=when
    )
    db.session.commit()
    _process(_paid_event(payment, "evt_receipt", when), when)
    receipt = db.session.scalars(sa.select(Document).where(Document.payment_id == payment.id)).one()
    assert (receipt.kind, receipt.installment_id) == ("receipt", quote.covered[0].installment_id)
    text = BeautifulSoup(render_html(receipt, when), "html.parser").get_text(" ", strip=True)
    assert "declara ter recebido o pagamento antecipado" in text
    assert "art. 52, § 2º" in text
    assert "Antecipação de parcelas" in text
    assert f"Valor pago {brl(quote.amount_cents)}" in text
    assert f"Desconto de juros {brl(quote.discount_cents)}" in text
    for covered in quote.covered:
        row = (
            f"Parcela {covered.number} de 4 {covered.due_date:%d/%m/%Y} "
            f"{brl(covered.owed_cents)} {brl(covered.discount_cents)} {brl(covered.amount_cents)}"
        )
        assert row in text
    assert "Parcela 1 de 4" not in text and "Parcela 2 de 4" not in text
    # What remains is the two installments not covered, at face value.
    left = sum(i.amount_cents for i in agreement.installments if i.number in (1, 2))
    assert f"Saldo restante do acordo {brl(left)}" in text
    view = verify(db.session, receipt.verification_code)
    assert view is not None and view.paid_cents == quote.amount_cents
