"""Paying early (CDC art. 52 §2): "Quitar agora" settles everything still owed, "Antecipar
parcelas" pays the last installments (from the last backwards), each with its interest
removed pro rata on the schedule's own day count (``portal.domain.payoff``).

A quote is computed here, on the server, from the agreement as it stands: the plan's rate and
the schedule's anchor come from the accepted offer (frozen in the evidence), the installments
from their rows. Nothing about the amount comes from the page. A quote holds for the day it
is made (``valid_on``): the next day less interest is left to remove (a code opened late in
the day and paid after midnight keeps its amount: the debtor is never charged for the
provider's minutes). Paying it opens one
attempt covering the installments (``PaymentKind.PREPAYMENT`` or ``SETTLEMENT``), with the part
of the payment booked to each (``PaymentCover``), by Pix or card like any installment; any
other open attempt on those installments is closed first. The success is applied by
:mod:`portal.services.payments.events` exactly once, like every other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.clock import BRASILIA
from portal.core.context import Actor
from portal.domain.agreements import OPEN_STATES, AgreementState
from portal.domain.offers import Offer
from portal.domain.payoff import shares
from portal.models import (
    Agreement,
    Installment,
    InstallmentStatus,
    Payment,
    PaymentCover,
    PaymentKind,
)
from portal.services.payments.attempts import (
    close_attempt,
    open_at_provider,
    open_attempts,
    still_valid,
)
from portal.services.payments.provider import PaymentUnavailable, RetryLater, provider


@dataclass(frozen=True, slots=True)
class CoveredInstallment:
    installment_id: int
    number: int
    due_date: date
    owed_cents: int  # still owed on it (its face value, if nothing was paid)
    amount_cents: int  # what paying it today costs: its present value

    @property
    def discount_cents(self) -> int:
        return self.owed_cents - self.amount_cents


@dataclass(frozen=True, slots=True)
class EarlyQuote:
    """What paying ``covered`` on ``valid_on`` costs. Centavos."""

    kind: str  # PaymentKind.PREPAYMENT or SETTLEMENT
    agreement_id: int
    valid_on: date
    covered: tuple[CoveredInstallment, ...]

    @property
    def count(self) -> int:
        return len(self.covered)

    @property
    def face_cents(self) -> int:
        return sum(c.owed_cents for c in self.covered)

    @property
    def amount_cents(self) -> int:
        return sum(c.amount_cents for c in self.covered)

    @property
    def discount_cents(self) -> int:
        """How much paying early saves against the installments' face value."""
        return self.face_cents - self.amount_cents

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(c.number for c in self.covered)


@dataclass(frozen=True, slots=True)
class EarlyOptions:
    """What the agreement page may offer today: settling (``None`` when not possible) and
    prepaying the last 1 … n installments (``prepayments[n - 1]``; empty when not possible)."""

    settlement: EarlyQuote | None
    prepayments: tuple[EarlyQuote, ...]


def _owed(agreement: Agreement) -> list[Installment]:
    return sorted(
        (
            i
            for i in agreement.installments
            if i.status == InstallmentStatus.PENDING and i.open_cents > 0
        ),
        key=lambda i: i.number,
    )


def _plan(agreement: Agreement) -> tuple[Decimal, date]:
    """The plan's monthly rate (percent) and the schedule's anchor, from the accepted offer."""
    evidence = agreement.evidence
    offer = Offer.from_json(evidence.offer_json, expected_digest=evidence.offer_digest)
    option = offer.option(evidence.chosen_payment_count)
    return option.nominal_monthly_rate_pct, offer.first_due_date


def _quote(
    agreement: Agreement,
    kind: str,
    chosen: list[Installment],
    rate: Decimal,
    anchor: date,
    day: date,
) -> EarlyQuote:
    parts = shares([(i.number, i.open_cents) for i in chosen], rate, anchor, day)
    return EarlyQuote(
        kind,
        agreement.id,
        day,
        tuple(
            CoveredInstallment(i.id, i.number, i.due_date, i.open_cents, part)
            for i, part in zip(chosen, parts, strict=True)
        ),
    )


def early_options(agreement: Agreement, today: date) -> EarlyOptions:
    """Settling is offered while the agreement is open with installments after the entrada
    still owed; prepaying once the entrada is paid, for the last installments while the next
    one is not overdue (pay that one first), leaving at least the next one to pay."""
    owed = _owed(agreement)
    if (
        agreement.lifecycle_state not in OPEN_STATES
        or agreement.payment_count < 2
        or not any(i.number >= 1 for i in owed)
    ):
        return EarlyOptions(None, ())
    rate, anchor = _plan(agreement)
    settle = _quote(agreement, PaymentKind.SETTLEMENT, owed, rate, anchor, today)
    prepayments: tuple[EarlyQuote, ...] = ()
    if agreement.lifecycle_state == AgreementState.ACTIVE and owed[0].due_date >= today:
        prepayments = tuple(
            _quote(agreement, PaymentKind.PREPAYMENT, owed[-count:], rate, anchor, today)
            for count in range(1, len(owed))
        )
    return EarlyOptions(settle, prepayments)


def early_quote(agreement: Agreement, kind: str, count: int | None, today: date) -> EarlyQuote:
    """The quote for settling (``count`` ignored) or for prepaying the last ``count``;
    raises ``PaymentUnavailable`` when that is not offered today."""
    options = early_options(agreement, today)
    if kind == PaymentKind.SETTLEMENT and options.settlement is not None:
        return options.settlement
    if (
        kind == PaymentKind.PREPAYMENT
        and count is not None
        and 1 <= count <= len(options.prepayments)
    ):
        return options.prepayments[count - 1]
    raise PaymentUnavailable(agreement.id)


def _lock_owed(session: DbSession, agreement_id: int) -> None:
    """Row-lock the agreement's pending installments in id order (the order every payment
    path locks them), so a quote and the attempt it opens see one state."""
    try:
        session.scalars(
            sa.select(Installment)
            .where(
                Installment.agreement_id == agreement_id,
                Installment.status == InstallmentStatus.PENDING,
            )
            .order_by(Installment.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
    except OperationalError as exc:
        raise RetryLater(str(exc)) from exc


def _same_quote(payment: Payment, quote: EarlyQuote) -> bool:
    return (
        payment.kind == quote.kind
        and payment.amount_cents == quote.amount_cents
        and [(c.installment_id, c.amount_cents) for c in payment.covers]
        == [(c.installment_id, c.amount_cents) for c in quote.covered]
        and payment.created_at.astimezone(BRASILIA).date() == quote.valid_on
    )


def _description(agreement: Agreement, quote: EarlyQuote) -> str:
    if quote.kind == PaymentKind.SETTLEMENT:
        return f"Acordo {agreement.id} - quitação antecipada"
    return f"Acordo {agreement.id} - antecipação de {quote.count} parcela(s)"


def start_early_payment(
    session: DbSession,
    agreement_id: int,
    kind: str,
    count: int | None,
    method: str,
    *,
    actor: Actor,
    now: datetime,
) -> Payment:
    """Open an attempt paying today's quote (or give back the open one for the very same
    quote and method). The amount is computed here; raises ``PaymentUnavailable``."""
    _lock_owed(session, agreement_id)
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise PaymentUnavailable(agreement_id)
    session.refresh(agreement)
    today = now.astimezone(BRASILIA).date()
    quote = early_quote(agreement, kind, count, today)
    owed_ids = [i.id for i in _owed(agreement)]
    for attempt in open_attempts(session, owed_ids):
        if attempt.method == method and _same_quote(attempt, quote) and still_valid(attempt, now):
            return attempt
        close_attempt(session, attempt, actor=actor, now=now)
    session.refresh(agreement)
    quote = early_quote(agreement, kind, count, today)  # a success applied above changes it
    first = quote.covered[0]
    attempt_number = (
        session.scalar(
            sa.select(sa.func.max(Payment.attempt)).where(
                Payment.installment_id == first.installment_id
            )
        )
        or 0
    ) + 1
    payment = Payment(
        installment_id=first.installment_id,
        agreement_id=agreement.id,
        provider=provider().name,
        method=method,
        kind=quote.kind,
        attempt=attempt_number,
        idempotency_key=(
            f"early:{agreement.id}:{quote.kind}:{first.number}-{quote.covered[-1].number}:"
            f"{method}:{attempt_number}:{now.replace(second=0, microsecond=0):%Y%m%d%H%M}"
        ),
        amount_cents=quote.amount_cents,
        discount_cents=quote.discount_cents,
        created_at=now,
        covers=[
            PaymentCover(
                installment_id=c.installment_id,
                number=c.number,
                owed_cents=c.owed_cents,
                amount_cents=c.amount_cents,
            )
            for c in quote.covered
        ],
    )
    session.add(payment)
    session.flush()
    open_at_provider(payment, _description(agreement, quote), now)
    record_event(
        session,
        actor,
        "payment.started",
        subject=("payment", payment.id),
        creditor_id=agreement.creditor_id,
        details={
            "kind": quote.kind,
            "method": method,
            "amount_cents": quote.amount_cents,
            "face_cents": quote.face_cents,
            "discount_cents": quote.discount_cents,
            "installment_numbers": list(quote.numbers),
            "valid_on": quote.valid_on.isoformat(),
            "provider": payment.provider,
        },
    )
    return payment
