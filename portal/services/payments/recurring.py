"""Pix Automático, the authorisation: offering it, asking the payer's bank for it, following its
status and cancelling it. Nothing is ever charged without an approved authorisation recorded
here (``recurring_charges.py`` only charges under ``approved`` rows).

Every change is written with its audit record in the caller's unit of work; provider calls
happen inside it, as for payment attempts (a failed call rolls the change back)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.adapters.payments.base import (
    Payer,
    ProviderRecurrence,
    RecurrenceTerms,
    RecurringCharges,
)
from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.agreements import OPEN_STATES
from portal.domain.pix_automatico import (
    LATEST_DAYS_BEFORE,
    LIVE,
    Canceller,
    ChargeOutcome,
    InvalidTransition,
    RecurrenceStatus,
    RetryPolicy,
    transition,
)
from portal.models import Agreement, Installment, InstallmentStatus, PixRecurrence
from portal.services.payments.provider import PaymentUnavailable, payee_for, provider

log = logging.getLogger(__name__)
R = RecurrenceStatus
RETRY_POLICY = RetryPolicy.THREE_IN_SEVEN_DAYS


def recurring_provider() -> RecurringCharges | None:
    """The configured provider if it offers Pix Automático (``pix_api``, the sandbox)."""
    found = provider()
    return found if isinstance(found, RecurringCharges) else None


@dataclass(frozen=True)
class RecurrenceOffer:
    """What the debtor would authorise: these installments, each on its date."""

    installments: list[Installment]
    total_cents: int
    retries: bool


def chargeable(agreement: Agreement, today: date) -> list[Installment]:
    """Pending installments whose charge can still be sent in time (two days before)."""
    last_send = today + timedelta(days=LATEST_DAYS_BEFORE)
    return [
        i
        for i in agreement.installments
        if i.status == InstallmentStatus.PENDING and i.open_cents > 0 and i.due_date >= last_send
    ]


def current_recurrence(session: DbSession, agreement: Agreement) -> PixRecurrence | None:
    """The agreement's latest authorisation request, whatever its status."""
    return session.scalar(
        sa.select(PixRecurrence)
        .where(PixRecurrence.agreement_id == agreement.id)
        .order_by(PixRecurrence.id.desc())
        .limit(1)
    )


def recurrence_offer(
    session: DbSession, agreement: Agreement, today: date
) -> RecurrenceOffer | None:
    """The "Autorizar débito automático via Pix" choice, if it applies now: an open agreement
    with installments, a provider that offers it, no live authorisation, something to charge."""
    if agreement.payment_count <= 1 or agreement.lifecycle_state not in OPEN_STATES:
        return None
    if recurring_provider() is None or agreement.contact is None or not agreement.contact.name:
        return None
    latest = current_recurrence(session, agreement)
    if latest is not None and latest.recurrence_status in LIVE:
        return None
    installments = chargeable(agreement, today)
    if not installments:
        return None
    return RecurrenceOffer(
        installments=installments,
        total_cents=sum(i.open_cents for i in installments),
        retries=RETRY_POLICY == RetryPolicy.THREE_IN_SEVEN_DAYS,
    )


def _lock_agreement(session: DbSession, agreement_id: int) -> Agreement:
    row = session.scalar(
        sa.select(Agreement)
        .where(Agreement.id == agreement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # noqa: S101 - the caller found it
    return row


def request_authorisation(
    session: DbSession, agreement_id: int, *, actor: Actor, now: datetime, today: date
) -> PixRecurrence:
    """Ask the provider for an authorisation request (the QR the payer scans in her bank
    app); a live one is given back (a double click)."""
    agreement = _lock_agreement(session, agreement_id)
    latest = current_recurrence(session, agreement)
    if latest is not None and latest.recurrence_status in LIVE:
        return latest
    offer = recurrence_offer(session, agreement, today)
    payments = recurring_provider()
    if offer is None or payments is None or agreement.contact is None:
        raise PaymentUnavailable(agreement.id)
    attempt = (
        session.scalar(
            sa.select(sa.func.count(PixRecurrence.id)).where(
                PixRecurrence.agreement_id == agreement.id
            )
        )
        or 0
    ) + 1
    first, last = offer.installments[0], offer.installments[-1]
    recurrence = PixRecurrence(
        agreement_id=agreement.id,
        provider=provider().name,
        idempotency_key=f"rec:{agreement.id}:{attempt}",
        retry_policy=RETRY_POLICY.value,
        first_due=first.due_date,
        last_due=last.due_date,
        requested_at=now,
        status=R.REQUESTED.value,
        flags={},
    )
    session.add(recurrence)
    session.flush()
    creditor = agreement.creditor
    terms = RecurrenceTerms(
        contract=f"ACORDO-{agreement.id}",
        purpose=f"Acordo {agreement.id} {creditor.legal_name}"[:35],
        payer=Payer(document=agreement.debtor.document, name=agreement.contact.name),
        first_due=first.due_date,
        last_due=last.due_date,
        retry_policy=recurrence.retry_policy,
        max_amount_cents=max(i.open_cents for i in offer.installments),
    )
    created = payments.create_recurrence(
        terms=terms, payee=payee_for(creditor), idempotency_key=recurrence.idempotency_key
    )
    recurrence.provider_ref = created.provider_ref
    recurrence.pix_payload = created.pix_payload
    record_event(
        session,
        actor,
        "pix_automatico.requested",
        subject=("agreement", agreement.id),
        creditor_id=agreement.creditor_id,
        details={
            "recurrence_id": recurrence.id,
            "installments": [i.number for i in offer.installments],
            "provider": recurrence.provider,
        },
    )
    return recurrence


def apply_recurrence_report(
    session: DbSession,
    recurrence: PixRecurrence,
    reported: ProviderRecurrence,
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """Bring the authorisation in line with the provider (a webhook, a poll, a cancel); a
    transition the spec does not allow is logged and ignored. True if it changed."""
    current = recurrence.recurrence_status
    try:
        target = transition(current, RecurrenceStatus(reported.status))
    except (InvalidTransition, ValueError):
        log.warning(
            "recurrence %s: ignored report %s while %s", recurrence.id, reported.status, current
        )
        return False
    if target == current:
        return False
    recurrence.status = target.value
    if target == R.APPROVED:
        recurrence.approved_at = now
    else:
        recurrence.ended_at = now
        recurrence.end_code = reported.end_code
        if target == R.CANCELLED:
            recurrence.cancelled_by = reported.cancelled_by
    record_event(
        session,
        actor,
        f"pix_automatico.{target.value}",
        subject=("agreement", recurrence.agreement_id),
        creditor_id=recurrence.agreement.creditor_id,
        details={
            "recurrence_id": recurrence.id,
            "from": current.value,
            **({"cancelled_by": recurrence.cancelled_by} if recurrence.cancelled_by else {}),
            **({"code": reported.end_code} if reported.end_code else {}),
        },
    )
    if target != R.APPROVED:
        _end_pending_charges(session, recurrence, actor=actor, now=now)
    return True


def _end_pending_charges(
    session: DbSession, recurrence: PixRecurrence, *, actor: Actor, now: datetime
) -> None:
    """The authorisation ended: its charges not yet collected stop (their Pix codes close)."""
    from portal.services.payments.attempts import close_attempt

    for charge in recurrence.charges:
        if charge.outcome in (ChargeOutcome.PENDING.value, ChargeOutcome.FAILED.value):
            charge.outcome = ChargeOutcome.ENDED.value
            if charge.payment.status in ("created", "awaiting"):
                close_attempt(session, charge.payment, actor=actor, now=now)


def cancel_authorisation(
    session: DbSession, agreement_id: int, *, actor: Actor, now: datetime
) -> PixRecurrence | None:
    """The debtor cancels here (the company tells its bank); nothing more is charged."""
    agreement = _lock_agreement(session, agreement_id)
    recurrence = current_recurrence(session, agreement)
    payments = recurring_provider()
    if recurrence is None or recurrence.recurrence_status not in LIVE or payments is None:
        return None
    reported = payments.cancel_recurrence(str(recurrence.provider_ref))
    # Asked by the payer, through us: she is who cancelled (her bank sees the company's request).
    reported = ProviderRecurrence(
        provider_ref=reported.provider_ref,
        status=reported.status,
        cancelled_by=Canceller.PAYER.value,
        end_code=reported.end_code,
    )
    recurrence.flags = {**(recurrence.flags or {}), "cancelled_via": "portal"}
    apply_recurrence_report(session, recurrence, reported, actor=actor, now=now)
    return recurrence
