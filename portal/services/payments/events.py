"""Every update the provider reports, applied exactly once.

* Every provider event is stored under its UNIQUE id in the same transaction as its effect
  (:func:`process_event`), so a redelivery changes nothing.
* The installment row (every covered one, for an early payment: ``covers.py``) is locked
  while money is applied; amount and currency must be what we asked for (else the money is
  held and flagged); a success after a local expiry is applied and flagged; money beyond
  what is due is refunded: the sum of net payments never exceeds the due.
  Requirements: docs/requirements.md §C (scenarios 16–30)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.adapters.payments.base import (
    ProviderEvent,
    ProviderPayment,
)
from portal.core import DbSession
from portal.core.after_commit import enqueue_after_commit
from portal.core.audit import record_event
from portal.core.context import SYSTEM, Actor
from portal.domain.payments import (
    Application,
    Move,
    apply_to_installment,
    decide,
    matches_expected,
)
from portal.models import (
    InstallmentStatus,
    Payment,
    ProviderEventRecord,
)
from portal.services.integration import emit
from portal.services.negotiation import Credit, record_payments
from portal.services.payments.covers import early_credits
from portal.services.payments.notices import after_success, early_details, tell_about_refund
from portal.services.payments.provider import P, RetryLater, lock_installment

log = logging.getLogger(__name__)
REFUND_EXCESS_TASK = "portal.refund_excess"


@dataclass(frozen=True)
class Outcome:
    action: str  # ignored, applied, succeeded, held, late_success, duplicate, refunded, …
    payment_id: int | None = None


def apply_update(
    session: DbSession, payment: Payment, reported: ProviderPayment, *, actor: Actor, now: datetime
) -> Outcome:
    """Bring our attempt in line with what the provider reports (the state machine decides)."""
    if reported.payment_intent_id and not payment.payment_intent_id:
        payment.payment_intent_id = reported.payment_intent_id
    if reported.refunded_cents > payment.refunded_cents:
        return record_refund(session, payment, reported, actor=actor)
    move = decide(payment.payment_status, reported.status)
    if move == Move.IGNORE:
        return Outcome("ignored", payment.id)
    if reported.status == P.SUCCEEDED:
        return _succeed(session, payment, reported, forced=move == Move.FORCE, actor=actor, now=now)
    before = payment.status
    payment.status = reported.status.value
    record_event(
        session,
        actor,
        f"payment.{reported.status.value}",
        subject=("payment", payment.id),
        creditor_id=payment.agreement.creditor_id,
        details={"from": before},
    )
    return Outcome(reported.status.value, payment.id)


def flag_payment(payment: Payment, **flags: Any) -> None:
    payment.flags = {**(payment.flags or {}), **flags}


def _succeed(
    session: DbSession,
    payment: Payment,
    reported: ProviderPayment,
    *,
    forced: bool,
    actor: Actor,
    now: datetime,
) -> Outcome:
    creditor_id = payment.agreement.creditor_id
    payment.status = P.SUCCEEDED.value
    payment.succeeded_at = now
    payment.amount_received_cents = reported.amount_received_cents
    if reported.charges_cents:  # multa and juros of a late cobv: the payer's bank added them
        flag_payment(payment, late_charges_cents=reported.charges_cents)
    if forced:
        flag_payment(payment, late_success=True)
        log.warning(
            "payment %s: success reported after local %s (corrected to match the provider)",
            payment.id,
            reported.status.value,
        )
    if not matches_expected(
        payment.amount_cents, reported.amount_received_cents, reported.currency
    ):
        flag_payment(
            payment,
            held=True,
            amount_mismatch={
                "expected_cents": payment.amount_cents,
                "received_cents": reported.amount_received_cents,
                "currency": reported.currency,
            },
        )
        log.error("payment %s held: amount or currency differs from what was asked", payment.id)
        record_event(
            session,
            actor,
            "payment.held",
            subject=("payment", payment.id),
            creditor_id=creditor_id,
            details=dict(payment.flags),
        )
        return Outcome("held", payment.id)
    received = int(reported.amount_received_cents or 0)
    if payment.is_early:
        application, credits, ended = early_credits(session, payment, received)
        installment = payment.installment
    else:
        installment = lock_installment(session, payment.installment_id)
        ended = installment.status == InstallmentStatus.CANCELLED
        settled = installment.amount_cents - installment.open_cents
        application = (
            Application(0, received)  # the agreement ended: give it all back
            if ended
            else apply_to_installment(installment.amount_cents, settled, received)
        )
        credits = (
            [Credit(installment, application.applied_cents)] if application.applied_cents else []
        )
    if ended:
        tell_about_refund(session, payment, received, now)
    payment.applied_cents = application.applied_cents
    payment.excess_cents = application.excess_cents
    if payment.is_early:
        payment.discount_cents = sum(credit.discount_cents for credit in credits)
    record_event(
        session,
        actor,
        "payment.succeeded",
        subject=("payment", payment.id),
        creditor_id=creditor_id,
        details={
            "installment_id": installment.id,
            "applied_cents": application.applied_cents,
            "excess_cents": application.excess_cents,
            "late": forced,
            **({"late_charges_cents": reported.charges_cents} if reported.charges_cents else {}),
            **(early_details(payment, credits) if payment.is_early else {}),
        },
    )
    if credits:
        # The payment's own event first: the agreement events it causes follow it.
        after_success(session, payment, installment, credits)
        record_payments(session, credits, paid_at=now, actor=actor)
    if application.excess_cents:
        flag_payment(payment, **({"agreement_ended": True} if ended else {"duplicate": True}))
        # A payment for an ended agreement is an expected outcome the debtor is told about;
        # money beyond what was due on a live one means something paid twice.
        (log.warning if ended else log.error)(
            "payment %s: %s centavos %s; refunding",
            payment.id,
            application.excess_cents,
            "for an agreement that had ended" if ended else "beyond what was due",
        )
        enqueue_after_commit(session, REFUND_EXCESS_TASK, payment.id)
    action = (
        "duplicate"
        if not application.applied_cents
        else ("late_success" if forced else "succeeded")
    )
    return Outcome(action, payment.id)


def record_refund(
    session: DbSession, payment: Payment, reported: ProviderPayment, *, actor: Actor
) -> Outcome:
    refunded_now = reported.refunded_cents - payment.refunded_cents
    payment.refunded_cents = reported.refunded_cents
    if payment.refunded_cents >= (payment.amount_received_cents or payment.amount_cents):
        payment.status = P.REFUNDED.value
    record_event(
        session,
        actor,
        "payment.refunded",
        subject=("payment", payment.id),
        creditor_id=payment.agreement.creditor_id,
        details={"refunded_cents": refunded_now},
    )
    emit(
        session,
        payment.agreement.creditor_id,
        "payment.refunded",
        {
            "payment": {
                "id": payment.id,
                "refunded_cents": payment.refunded_cents,
                "agreement_id": payment.agreement_id,
            }
        },
    )
    return Outcome("refunded", payment.id)


def find_payment(
    session: DbSession, reported: ProviderPayment, *, lock: bool = False
) -> Payment | None:
    conditions = [Payment.provider_ref == reported.provider_ref]
    if reported.payment_intent_id:
        conditions.append(Payment.payment_intent_id == reported.payment_intent_id)
    statement = sa.select(Payment).where(sa.or_(*conditions)).order_by(Payment.id).limit(1)
    if lock:
        # The row as it is now, not as this session may have loaded it before the lock.
        statement = statement.with_for_update(nowait=True).execution_options(populate_existing=True)
    try:
        return session.scalar(statement)
    except OperationalError as exc:
        raise RetryLater(str(exc)) from exc


def process_event(
    session: DbSession,
    provider_name: str,
    event: ProviderEvent,
    *,
    actor: Actor = SYSTEM,
    now: datetime,
) -> Outcome:
    """Apply a verified provider event exactly once (its id is UNIQUE, stored with the effect).

    The caller commits; on ``RetryLater`` it rolls back and answers 5xx.
    """
    # Only what identifies the event: provider objects can carry the payer's billing details.
    summary = {
        "object_id": event.payment.provider_ref if event.payment else None,
        "status": event.payment.status.value if event.payment else None,
    }
    record = ProviderEventRecord(
        provider=provider_name,
        event_id=event.event_id,
        type=event.type,
        outcome="pending",
        payload=summary,
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return Outcome("duplicate_event")
    if event.payment is None:
        record.outcome = "ignored_type"
        return Outcome("ignored_type")
    return apply_recorded(session, record, event.payment, actor, now)


def apply_recorded(
    session: DbSession,
    record: ProviderEventRecord,
    reported: ProviderPayment,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """Apply the payment a recorded event reports; its outcome is written on the record."""
    payment = find_payment(session, reported, lock=True)
    if payment is None:
        record.outcome = "unknown_payment"
        log.warning("provider event %s for an unknown payment", record.type)
        return Outcome("unknown_payment")
    outcome = apply_update(session, payment, reported, actor=actor, now=now)
    record.payment_id = payment.id
    record.outcome = outcome.action
    return outcome
