"""Paying installments: attempts at the provider, and every update the provider reports.

Requirements and their tests: ../shared/notes/security.md §C and scenarios 16–30.

* Every create call carries an idempotency key derived from our ids
  (``inst:<installment>:<method>:<attempt>``); at most one attempt is open per installment,
  the older one is cancelled at the provider first.
* Every provider event is stored under its UNIQUE id in the same transaction as its effect
  (:func:`process_event`), so a redelivery changes nothing.
* The installment row is locked while money is applied; amount and currency must be what we
  asked for (else the money is held and flagged); a success after a local expiry is applied
  and flagged; money beyond what is due is refunded — Σ net paid never exceeds the due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.adapters.payments.base import (
    Payee,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
)
from portal.domain.agreements import OPEN_STATES
from portal.domain.payments import (
    OPEN,
    Application,
    Move,
    PaymentStatus,
    apply_to_installment,
    decide,
    matches_expected,
)
from portal.models import (
    Agreement,
    Creditor,
    Installment,
    InstallmentStatus,
    Payment,
    ProviderEventRecord,
)
from portal.services import DbSession
from portal.services.audit import record_event
from portal.services.context import SYSTEM, Actor

log = logging.getLogger(__name__)
P = PaymentStatus


class PaymentUnavailable(Exception):
    """This installment cannot be paid now (paid already, agreement closed, out of order)."""


class RetryLater(Exception):
    """Another transaction holds the row: answer 5xx so the provider retries (C6)."""


def provider() -> PaymentProvider:
    return current_app.extensions["payment_provider"]  # type: ignore[no-any-return]


def payee_for(creditor: Creditor) -> Payee:
    return Payee(
        name=creditor.legal_name,
        cnpj=creditor.cnpj_formatted,
        city=creditor.city,
        pix_key=creditor.pix_key,
    )


def next_payable(agreement: Agreement) -> Installment | None:
    """The first unpaid installment of an open agreement: they are paid in order."""
    if agreement.lifecycle_state not in OPEN_STATES:
        return None
    return next((i for i in agreement.installments if i.status == InstallmentStatus.PENDING), None)


def _lock_installment(
    session: DbSession, installment_id: int, *, nowait: bool = False
) -> Installment:
    statement = sa.select(Installment).where(Installment.id == installment_id)
    try:
        row = session.scalar(statement.with_for_update(nowait=nowait))
    except OperationalError as exc:  # PostgreSQL: lock not available
        raise RetryLater(str(exc)) from exc
    assert row is not None  # noqa: S101 - foreign key
    return row


def _open_attempts(session: DbSession, installment_id: int) -> list[Payment]:
    return list(
        session.scalars(
            sa.select(Payment)
            .where(
                Payment.installment_id == installment_id,
                Payment.status.in_([s.value for s in OPEN]),
            )
            .order_by(Payment.id)
        )
    )


def _close_attempt(session: DbSession, payment: Payment, *, actor: Actor, now: datetime) -> None:
    """Cancel an open attempt at the provider; a success found there is applied instead."""
    if payment.provider_ref is None:
        payment.status = P.CANCELED.value
        return
    reported = provider().cancel(
        payment.provider_ref, idempotency_key=f"{payment.idempotency_key}:cancel"
    )
    if reported.status == P.SUCCEEDED:
        apply_update(session, payment, reported, actor=actor, now=now)
    else:
        apply_update(session, payment, _with_status(reported, P.CANCELED), actor=actor, now=now)


def _with_status(reported: ProviderPayment, status: PaymentStatus) -> ProviderPayment:
    from dataclasses import replace

    return replace(reported, status=status)


def _key_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _create_key(installment_id: int, method: str, attempt: int, now: datetime) -> str:
    """The idempotency key of a create call: installment, method, attempt and the minute.

    A retry within the minute (a timeout, a lost answer) sends the same key with the same
    parameters, so the provider answers with the object it already made. A retry in a later
    minute is a new request: whatever the lost call may have created was never shown to
    anyone and expires by itself at its own ``expires_at``.
    """
    return f"inst:{installment_id}:{method}:{attempt}:{_key_minute(now):%Y%m%d%H%M}"


def start_payment(
    session: DbSession,
    installment_id: int,
    method: str,
    *,
    actor: Actor,
    now: datetime,
) -> Payment:
    """Open an attempt (or give back the open one of the same method) for an installment."""
    installment = _lock_installment(session, installment_id)
    agreement = installment.agreement
    if next_payable(agreement) is not installment:
        raise PaymentUnavailable(installment.id)
    for open_attempt in _open_attempts(session, installment.id):
        still_valid = open_attempt.expires_at is None or open_attempt.expires_at > now + timedelta(
            minutes=2
        )
        if open_attempt.method == method and still_valid and open_attempt.provider_ref:
            return open_attempt
        _close_attempt(session, open_attempt, actor=actor, now=now)
    if installment.status != InstallmentStatus.PENDING:  # a success just applied above
        raise PaymentUnavailable(installment.id)
    attempt = (
        session.scalar(
            sa.select(sa.func.max(Payment.attempt)).where(Payment.installment_id == installment.id)
        )
        or 0
    ) + 1
    amount = installment.amount_cents - installment.paid_cents
    payment = Payment(
        installment_id=installment.id,
        agreement_id=agreement.id,
        provider=provider().name,
        method=method,
        attempt=attempt,
        idempotency_key=_create_key(installment.id, method, attempt, now),
        amount_cents=amount,
    )
    session.add(payment)
    session.flush()
    config = current_app.config
    description = (
        f"Acordo {agreement.id} - pagamento {installment.number + 1} de {agreement.payment_count}"
    )
    # The request is a function of the key alone (no row ids, no seconds), so a retry after
    # a lost answer replays the same call and Stripe gives back the same object (C3).
    metadata = {
        "agreement_id": str(agreement.id),
        "installment_id": str(installment.id),
        "attempt": str(attempt),
    }
    opened_at = _key_minute(now)
    payee = payee_for(agreement.creditor)
    if method == "pix":
        created = provider().create_pix(
            amount_cents=amount,
            description=description,
            payee=payee,
            metadata=metadata,
            expires_at=opened_at + timedelta(minutes=config["PIX_EXPIRY_MINUTES"]),
            idempotency_key=payment.idempotency_key,
        )
    else:
        base = config["BASE_URL"]
        card_path = f"/acordos/{agreement.id}/pagamentos/{installment.number}/cartao/{attempt}"
        created = provider().create_card_checkout(
            amount_cents=amount,
            description=description,
            payee=payee,
            metadata=metadata,
            success_url=f"{base}{card_path}/retorno",
            cancel_url=f"{base}{card_path}/cancelado",
            expires_at=opened_at + timedelta(minutes=config["CHECKOUT_EXPIRY_MINUTES"]),
            idempotency_key=payment.idempotency_key,
        )
    payment.provider_ref = created.provider_ref
    payment.payment_intent_id = created.payment_intent_id
    payment.pix_payload = created.pix_payload
    payment.checkout_url = created.checkout_url
    payment.expires_at = created.expires_at
    payment.status = created.status.value
    record_event(
        session,
        actor,
        "payment.started",
        subject=("payment", payment.id),
        creditor_id=agreement.creditor_id,
        details={
            "installment_id": installment.id,
            "method": method,
            "amount_cents": amount,
            "provider": payment.provider,
        },
    )
    return payment


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
        return _record_refund(session, payment, reported, actor=actor)
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


def _flag(payment: Payment, **flags: Any) -> None:
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
    if forced:
        _flag(payment, late_success=True)
        log.warning(
            "payment %s: success reported after local %s (corrected to match the provider)",
            payment.id,
            reported.status.value,
        )
    if not matches_expected(
        payment.amount_cents, reported.amount_received_cents, reported.currency
    ):
        _flag(
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
    installment = _lock_installment(session, payment.installment_id)
    received = int(reported.amount_received_cents or 0)
    if installment.status == InstallmentStatus.CANCELLED:
        application = Application(0, received)  # the agreement ended: give it all back
    else:
        application = apply_to_installment(
            installment.amount_cents, installment.paid_cents, received
        )
    payment.applied_cents = application.applied_cents
    payment.excess_cents = application.excess_cents
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
        },
    )
    if application.applied_cents:
        from portal.services.agreements import record_payment

        record_payment(session, installment, application.applied_cents, paid_at=now, actor=actor)
        _after_success(session, payment, installment)
    if application.excess_cents:
        _flag(payment, duplicate=True)
        log.error(
            "payment %s: %s centavos beyond what was due; refunding",
            payment.id,
            application.excess_cents,
        )
        from portal.services.after_commit import enqueue_after_commit
        from portal.tasks import refund_excess_task

        enqueue_after_commit(session, refund_excess_task, payment.id)
    action = (
        "duplicate"
        if not application.applied_cents
        else ("late_success" if forced else "succeeded")
    )
    return Outcome(action, payment.id)


def _after_success(session: DbSession, payment: Payment, installment: Installment) -> None:
    from portal.services.integration import emit
    from portal.services.mail import queue_email

    agreement = installment.agreement
    try:
        from portal.models import DocumentKind
        from portal.services.documents import queue_document

        queue_document(session, agreement, DocumentKind.RECEIPT, installment)
    except ImportError:  # pragma: no cover - documents ship with their own module
        pass
    emit(
        session,
        agreement.creditor_id,
        "payment.succeeded",
        {
            "payment": {
                "id": payment.id,
                "method": payment.method,
                "amount_cents": payment.applied_cents,
                "agreement_id": agreement.id,
                "installment_number": installment.number,
                "succeeded_at": (payment.succeeded_at or agreement.created_at).isoformat(),
            },
        },
    )
    debtor = agreement.debtor
    if debtor.email:
        from portal.templating import brl

        queue_email(
            session,
            to=debtor.email,
            template="notice",
            context={
                "subject": "Pagamento recebido",
                "title": f"Recebemos seu pagamento de {brl(payment.applied_cents)}",
                "paragraphs": [
                    f"O pagamento {installment.number + 1} de {agreement.payment_count} do acordo "
                    f"nº {agreement.id} com {agreement.creditor.legal_name} foi confirmado.",
                    "O comprovante fica disponível no portal, na página do acordo.",
                ],
            },
        )


def _record_refund(
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
    from portal.services.integration import emit

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
        statement = statement.with_for_update(nowait=True)
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
    payment = find_payment(session, event.payment, lock=True)
    if payment is None:
        record.outcome = "unknown_payment"
        log.warning("provider event %s for an unknown payment", event.type)
        return Outcome("unknown_payment")
    outcome = apply_update(session, payment, event.payment, actor=actor, now=now)
    record.payment_id = payment.id
    record.outcome = outcome.action
    return outcome


def refund_excess(session: DbSession, payment_id: int, *, actor: Actor = SYSTEM) -> int:
    """Give back what a payment brought beyond the installment's due (idempotent)."""
    payment = session.scalar(sa.select(Payment).where(Payment.id == payment_id).with_for_update())
    if payment is None or not payment.excess_cents:
        return 0
    pending = payment.excess_cents - payment.refunded_cents
    if pending <= 0:
        return 0
    ref = payment.payment_intent_id or payment.provider_ref
    if ref is None:
        raise ProviderError("no provider reference to refund")
    refund_id = provider().refund(
        ref, pending, idempotency_key=f"refund:{payment.id}:{payment.excess_cents}"
    )
    reported = ProviderPayment(
        provider_ref=payment.provider_ref or ref,
        status=P.SUCCEEDED,
        amount_cents=payment.amount_cents,
        amount_received_cents=payment.amount_received_cents,
        refunded_cents=payment.refunded_cents + pending,
    )
    _record_refund(session, payment, reported, actor=actor)
    _flag(payment, refund_id=refund_id)
    return pending


def expire_attempts(session: DbSession, now: datetime) -> int:
    """Close attempts past their expiry, asking the provider first (a late success wins)."""
    due = list(
        session.scalars(
            sa.select(Payment)
            .where(
                Payment.status.in_([P.AWAITING.value, P.CREATED.value]), Payment.expires_at < now
            )
            .order_by(Payment.id)
        )
    )
    expired = 0
    for payment in due:
        if payment.provider_ref is None:
            payment.status = P.EXPIRED.value
            continue
        try:
            with session.begin_nested():
                reported = provider().retrieve(payment.provider_ref)
                if reported.status == P.SUCCEEDED:
                    apply_update(session, payment, reported, actor=SYSTEM, now=now)
                    continue
                cancelled = provider().cancel(
                    payment.provider_ref, idempotency_key=f"{payment.idempotency_key}:cancel"
                )
                status = P.SUCCEEDED if cancelled.status == P.SUCCEEDED else P.EXPIRED
                apply_update(
                    session, payment, _with_status(cancelled, status), actor=SYSTEM, now=now
                )
                expired += status == P.EXPIRED
        except ProviderError:  # try again on the next run; never expire without asking
            log.warning("could not check payment %s with the provider; will retry", payment.id)
    return expired


def reconcile(
    session: DbSession, now: datetime, *, lookback: timedelta = timedelta(days=3)
) -> dict[str, int]:
    """What the webhooks missed: undelivered provider events, then open attempts' states."""
    counts = {"events": 0, "checked": 0, "applied": 0}
    name = provider().name
    for event in provider().undelivered_events(now - lookback):
        counts["events"] += 1
        outcome = process_event(session, name, event, now=now)
        counts["applied"] += outcome.action not in {
            "duplicate_event",
            "ignored",
            "ignored_type",
            "unknown_payment",
        }
    stale = list(
        session.scalars(
            sa.select(Payment).where(
                Payment.status.in_([s.value for s in OPEN]),
                Payment.provider_ref.is_not(None),
                Payment.created_at < now - timedelta(minutes=5),
            )
        )
    )
    for payment in stale:
        counts["checked"] += 1
        outcome = apply_update(
            session, payment, provider().retrieve(str(payment.provider_ref)), actor=SYSTEM, now=now
        )
        counts["applied"] += outcome.action != "ignored"
    return counts
