"""Pix Automático, the charges: the job that follows authorisations, sends each installment's
``cobr`` in its window (2 to 10 days before it is due), and reconciles what the payer's bank
did with it.

* A collected charge pays its installment through the ordinary exactly-once path
  (``apply_update`` on its payment attempt, under the attempt's row lock): receipt, e-mail and
  the company's ``payment.succeeded`` event as for any payment. The same Pix arriving by the
  API Pix webhook (its ``txid`` names the attempt) finds the attempt paid and changes nothing.
* A failed attempt is retried as the authorisation's policy allows (``PERMITE_3R_7D``: three
  more tries within seven days after the due date); the debtor is told each time, plainly,
  and told she can pay by Pix on the portal when no try is left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.adapters.payments.base import ProviderError, ProviderPayment, ProviderRecurringCharge
from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.clock import BRASILIA
from portal.core.context import SYSTEM
from portal.core.formatting import brl
from portal.domain.pix_automatico import (
    LIVE,
    ChargeOutcome,
    DueInstallment,
    RecurrenceStatus,
    RetryPolicy,
    can_collect,
    next_retry,
    to_charge,
)
from portal.models import Installment, Payment, PixRecurrence, RecurringCharge
from portal.services.notify import queue_email
from portal.services.payments.events import apply_update, find_payment
from portal.services.payments.provider import P, provider, with_status
from portal.services.payments.recurring import apply_recurrence_report, recurring_provider

log = logging.getLogger(__name__)
C = ChargeOutcome


def pix_automatico_steps(session: DbSession, today: date, now: datetime) -> Iterator[list[str]]:
    """One step per authorisation (requested: its status; approved: its charges), each to be
    committed on its own (``unit_per_step``). Yields what each step did."""
    payments = recurring_provider()
    if payments is None:
        return
    ids = list(
        session.scalars(
            sa.select(PixRecurrence.id)
            .where(
                sa.or_(
                    PixRecurrence.status.in_(
                        [RecurrenceStatus.REQUESTED.value, RecurrenceStatus.APPROVED.value]
                    ),
                    PixRecurrence.id.in_(
                        sa.select(RecurringCharge.recurrence_id).where(
                            RecurringCharge.outcome.in_([C.PENDING.value, C.FAILED.value])
                        )
                    ),
                )
            )
            .order_by(PixRecurrence.id)
        )
    )
    for recurrence_id in ids:
        recurrence = session.get(PixRecurrence, recurrence_id)
        assert recurrence is not None  # noqa: S101 - just listed
        try:
            with session.begin_nested():
                done = _step(session, recurrence, today, now)
        except ProviderError as exc:
            log.warning(
                "pix automático %s: provider unavailable (%s); next run", recurrence_id, exc
            )
            done = ["provider_error"]
        yield done


def _step(session: DbSession, recurrence: PixRecurrence, today: date, now: datetime) -> list[str]:
    payments = recurring_provider()
    assert payments is not None  # noqa: S101 - checked by the caller
    done = []
    if recurrence.provider_ref and recurrence.recurrence_status in LIVE:  # webhooks missed
        reported = payments.retrieve_recurrence(recurrence.provider_ref)
        if apply_recurrence_report(session, recurrence, reported, actor=SYSTEM, now=now):
            done.append(f"recurrence_{recurrence.status}")
    for charge in list(recurrence.charges):
        if charge.outcome in (C.PENDING.value, C.FAILED.value):
            done.append(reconcile_charge(session, charge, today=today, now=now))
    if can_collect(recurrence.recurrence_status):
        for installment in _due(recurrence, today):
            create_charge(session, recurrence, installment, now=now)
            done.append("charge_created")
    return done


def _due(recurrence: PixRecurrence, today: date) -> list[Installment]:
    # One cobr per installment under an authorisation: one that ended (failed for good, or
    # closed because she paid by hand) is not sent again.
    live = {c.installment_id for c in recurrence.charges}
    by_number = {i.number: i for i in recurrence.agreement.installments}
    candidates = [
        DueInstallment(i.number, i.due_date, i.open_cents, i.id in live)
        for i in by_number.values()
        if i.status == "pending" and recurrence.first_due <= i.due_date <= recurrence.last_due
    ]
    return [by_number[d.number] for d in to_charge(candidates, today)]


def create_charge(
    session: DbSession, recurrence: PixRecurrence, installment: Installment, *, now: datetime
) -> RecurringCharge:
    """The installment's ``cobr`` and the payment attempt that will apply its money."""
    payments = recurring_provider()
    assert payments is not None  # noqa: S101 - only called with one
    agreement = recurrence.agreement
    attempt = (
        session.scalar(
            sa.select(sa.func.max(Payment.attempt)).where(Payment.installment_id == installment.id)
        )
        or 0
    ) + 1
    payment = Payment(
        installment_id=installment.id,
        agreement_id=agreement.id,
        provider=provider().name,
        method="pix",
        attempt=attempt,
        idempotency_key=f"cobr:{recurrence.id}:{installment.id}:{attempt}",
        amount_cents=installment.open_cents,
        flags={"pix_automatico": True},
    )
    session.add(payment)
    session.flush()
    created = payments.create_recurring_charge(
        recurrence_ref=str(recurrence.provider_ref),
        amount_cents=payment.amount_cents,
        due_date=installment.due_date,
        description=(
            f"Acordo {agreement.id} - pagamento {installment.number + 1} de "
            f"{agreement.payment_count}"
        ),
        idempotency_key=payment.idempotency_key,
    )
    payment.provider_ref = created.txid
    payment.status = P.AWAITING.value
    # Open until the last retry the policy allows (then expiry asks the provider first).
    payment.expires_at = datetime.combine(
        installment.due_date + timedelta(days=8), datetime.min.time(), BRASILIA
    )
    charge = RecurringCharge(
        recurrence_id=recurrence.id,
        installment_id=installment.id,
        payment_id=payment.id,
        txid=created.txid,
        due_date=installment.due_date,
        amount_cents=payment.amount_cents,
        outcome=C.PENDING.value,
        retries=0,
        failures_told=0,
    )
    session.add(charge)
    session.flush()
    record_event(
        session,
        SYSTEM,
        "pix_automatico.charge_created",
        subject=("payment", payment.id),
        creditor_id=agreement.creditor_id,
        details={
            "recurrence_id": recurrence.id,
            "installment_id": installment.id,
            "amount_cents": payment.amount_cents,
            "due_date": installment.due_date.isoformat(),
        },
    )
    return charge


def reconcile_charge(
    session: DbSession, charge: RecurringCharge, *, today: date, now: datetime
) -> str:
    """What the payer's bank did with the charge, applied once."""
    payments = recurring_provider()
    assert payments is not None  # noqa: S101 - only called with one
    reported = payments.retrieve_recurring_charge(charge.txid)
    outcome = C(reported.outcome)
    if outcome == C.COLLECTED:
        return _collected(session, charge, reported, now=now)
    if outcome == C.ENDED:
        charge.outcome = C.ENDED.value
        payment = charge.payment
        if payment.status in (P.AWAITING.value, P.CREATED.value):
            gone = ProviderPayment(provider_ref=charge.txid, status=P.CANCELED, amount_cents=0)
            apply_update(session, payment, gone, actor=SYSTEM, now=now)
        return "charge_ended"
    if outcome == C.FAILED and charge.failures_told <= charge.retries:
        return _failed(session, charge, reported, today=today, now=now)
    return "charge_pending"


def _collected(
    session: DbSession, charge: RecurringCharge, reported: ProviderRecurringCharge, *, now: datetime
) -> str:
    charge.outcome = C.COLLECTED.value
    paid = ProviderPayment(
        provider_ref=charge.txid,
        status=P.SUCCEEDED,
        amount_cents=reported.amount_cents,
        amount_received_cents=reported.amount_received_cents,
        payment_intent_id=reported.end_to_end_id,
    )
    payment = find_payment(session, paid, lock=True)  # the row as it is now, locked
    assert payment is not None  # noqa: S101 - the charge's own attempt
    outcome = apply_update(session, payment, paid, actor=SYSTEM, now=now)
    return f"collected_{outcome.action}"


def _failed(
    session: DbSession,
    charge: RecurringCharge,
    reported: ProviderRecurringCharge,
    *,
    today: date,
    now: datetime,
) -> str:
    """An attempt failed: ask for another (policy permitting) and tell the debtor."""
    recurrence = charge.recurrence
    charge.last_rejection = reported.rejection
    charge.failures_told += 1
    retry_on = next_retry(
        RetryPolicy(recurrence.retry_policy),
        charge.due_date,
        charge.retries,
        today,
        reported.rejection,
    )
    if retry_on is not None:
        payments = recurring_provider()
        assert payments is not None  # noqa: S101 - only called with one
        payments.retry_recurring_charge(charge.txid, retry_on)
        charge.retries += 1
        charge.next_retry_on = retry_on
        charge.outcome = C.PENDING.value
    else:
        charge.outcome = C.ENDED.value
        charge.next_retry_on = None
        payment = charge.payment
        if payment.status in (P.AWAITING.value, P.CREATED.value):
            try:
                closed = provider().cancel(
                    charge.txid, idempotency_key=f"{payment.idempotency_key}:cancel"
                )
                gone = with_status(
                    closed, P.SUCCEEDED if closed.status == P.SUCCEEDED else P.CANCELED
                )
            except ProviderError:
                gone = ProviderPayment(provider_ref=charge.txid, status=P.CANCELED, amount_cents=0)
            apply_update(session, payment, gone, actor=SYSTEM, now=now)
    record_event(
        session,
        SYSTEM,
        "pix_automatico.charge_failed",
        subject=("payment", charge.payment_id),
        creditor_id=recurrence.agreement.creditor_id,
        details={
            "code": reported.rejection,
            "retry_on": retry_on.isoformat() if retry_on else None,
            "retries": charge.retries,
        },
    )
    _tell_failure(session, charge, retry_on)
    return "charge_retry" if retry_on else "charge_failed"


def _tell_failure(session: DbSession, charge: RecurringCharge, retry_on: date | None) -> None:
    agreement = charge.recurrence.agreement
    contact = agreement.contact
    if contact is None or not contact.email:
        return
    amount = brl(charge.amount_cents)
    paragraphs = [
        f"Tentamos debitar {amount} da parcela com vencimento em {charge.due_date:%d/%m/%Y} do "
        f"acordo nº {agreement.id} com {agreement.creditor.legal_name}, pelo Pix Automático, "
        "mas o seu banco não conseguiu concluir o pagamento. Isso costuma acontecer quando "
        "falta saldo naquele dia.",
    ]
    if retry_on is not None:
        paragraphs.append(
            f"Não se preocupe: vamos tentar de novo em {retry_on:%d/%m/%Y}. Se puder, deixe o "
            "valor na conta até lá. Você não precisa fazer mais nada."
        )
    else:
        paragraphs.append(
            "Não vamos tentar de novo nesta parcela. Para mantê-la em dia, pague pelo portal "
            "com Pix, na página do acordo. As próximas parcelas continuam no débito automático."
        )
    queue_email(
        session,
        to=contact.email,
        template="notice",
        context={
            "subject": "Não conseguimos debitar a sua parcela",
            "title": f"O débito de {amount} não foi concluído",
            "paragraphs": paragraphs,
            "action_url": f"{current_app.config['BASE_URL'].rstrip('/')}/acordos/{agreement.id}",
            "action_label": "Ver o acordo",
        },
    )
