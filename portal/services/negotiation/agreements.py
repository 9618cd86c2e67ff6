"""Every change of an agreement's state after acceptance: triggers, payments credited,
cancellation by the debtor, and the daily lapse or breach. E-mails, documents and company
events leave after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.after_commit import enqueue_after_commit
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.agreements import (
    AgreementState,
    IllegalTransition,
    ScheduledPayment,
    Trigger,
    allocate,
    due_transition,
    payment_trigger,
    transition,
)
from portal.models import (
    ActorType,
    Agreement,
    DocumentKind,
    Installment,
    InstallmentStatus,
    ItemStatus,
)
from portal.services.documents import queue_document
from portal.services.integration import EVENT_TYPES, agreement_payload, emit
from portal.services.negotiation.mail import agreement_mail_context
from portal.services.notify import queue_email
from portal.services.policies import policy_of

CANCEL_OPEN_CHARGES_TASK = "portal.cancel_open_charges"


def _schedule(agreement: Agreement) -> list[ScheduledPayment]:
    return [ScheduledPayment(i.number, i.due_date, i.is_paid) for i in agreement.installments]


def lock_agreement(session: DbSession, agreement_id: int) -> Agreement | None:
    """Load an agreement with a row lock (PostgreSQL), to change its state safely."""
    return session.scalar(
        sa.select(Agreement).where(Agreement.id == agreement_id).with_for_update()
    )


def apply_trigger(
    session: DbSession,
    agreement: Agreement,
    trigger: Trigger,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> AgreementState:
    """Move the agreement through ``trigger`` (the domain decides if it may) and settle items."""
    before = agreement.lifecycle_state
    after = transition(before, trigger)
    agreement.state = after.value
    agreement.state_changed_at = now
    if reason:
        agreement.end_reason = reason[:300]
    if after in {AgreementState.LAPSED, AgreementState.CANCELLED, AgreementState.BROKEN}:
        # What was paid is credited on a break and on a cancellation (a debtor can only
        # cancel before paying; staff may cancel later, and the money is not lost).
        credit = after in {AgreementState.BROKEN, AgreementState.CANCELLED}
        _reopen_items(session, agreement, credit=credit, now=now)
        # Open Pix codes and card pages stop being payable at the provider after the commit
        # (the payments context's task, queued by name: negotiation never imports payments).
        enqueue_after_commit(session, CANCEL_OPEN_CHARGES_TASK, agreement.id)
    elif after == AgreementState.COMPLETED:
        for link in agreement.items:
            link.pending_item.status = ItemStatus.PAID
            link.pending_item.paid_at = now
        queue_document(session, agreement, DocumentKind.DISCHARGE)
    record_event(
        session,
        actor,
        f"agreement.{after.value}",
        subject=("agreement", agreement.id),
        creditor_id=agreement.creditor_id,
        details={
            "from": before.value,
            "trigger": trigger.value,
            **({"reason": reason} if reason else {}),
        },
    )
    _notify(session, agreement, after, by_staff=actor.type == ActorType.STAFF)
    if f"agreement.{after.value}" in EVENT_TYPES:
        session.flush()
        emit(
            session, agreement.creditor_id, f"agreement.{after.value}", agreement_payload(agreement)
        )
    return after


def _reopen_items(session: DbSession, agreement: Agreement, *, credit: bool, now: datetime) -> None:
    """Items go back to open; with ``credit``, what was paid is credited to them (in
    proportion to their balances at acceptance)."""
    for installment in agreement.installments:
        if installment.status == InstallmentStatus.PENDING:
            installment.status = InstallmentStatus.CANCELLED
    links = sorted(agreement.items, key=lambda link: link.pending_item_id)
    paid = sum(i.paid_cents for i in agreement.installments)
    parts = (
        allocate(paid, [link.balance_cents for link in links])
        if credit and paid
        else ((0,) * len(links))
    )
    for link, part in zip(links, parts, strict=True):
        item = link.pending_item
        granted = min(part, item.outstanding_principal_cents)
        link.credited_cents = granted
        item.credited_cents += granted
        if item.outstanding_principal_cents == 0:
            item.status, item.paid_at = ItemStatus.PAID, now
        else:
            item.status = ItemStatus.OPEN
    session.flush()


def _notify(
    session: DbSession, agreement: Agreement, state: AgreementState, *, by_staff: bool = False
) -> None:
    template = {
        AgreementState.BROKEN: "agreement_broken",
        AgreementState.LAPSED: "agreement_lapsed",
        AgreementState.CANCELLED: "agreement_cancelled",
        AgreementState.COMPLETED: "agreement_completed",
    }.get(state)
    contact = agreement.contact  # the person as this agreement's company knows them
    if template is None or contact is None or not contact.email:
        return
    queue_email(
        session,
        to=contact.email,
        template=template,
        context={
            **agreement_mail_context(agreement),
            "by_company": by_staff,
            "credited_cents": sum(link.credited_cents for link in agreement.items),
        },
    )


def can_cancel(agreement: Agreement) -> bool:
    """A debtor may cancel a fresh agreement, before anything was paid."""
    return agreement.lifecycle_state == AgreementState.AWAITING_DOWN_PAYMENT and not any(
        i.paid_cents for i in agreement.installments
    )


def cancel_by_debtor(
    session: DbSession, agreement: Agreement, *, actor: Actor, now: datetime
) -> AgreementState:
    if not can_cancel(agreement):
        raise IllegalTransition(agreement.lifecycle_state, Trigger.CANCELLED_BY_DEBTOR)
    return apply_trigger(
        session,
        agreement,
        Trigger.CANCELLED_BY_DEBTOR,
        actor=actor,
        now=now,
        reason="cancelado pelo devedor",
    )


@dataclass(frozen=True)
class Credit:
    """Money received for one installment; ``discount_cents`` is the interest removed when
    it is paid early (CDC art. 52 §2), settled with it."""

    installment: Installment
    amount_cents: int
    discount_cents: int = 0


def record_payment(
    session: DbSession,
    installment: Installment,
    amount_cents: int,
    *,
    paid_at: datetime,
    actor: Actor,
) -> AgreementState:
    """Credit money received for an installment and advance the agreement.

    The payments issue calls this after locking the installment row; amounts above what is
    due are the caller's to refund (never credited twice).
    """
    return record_payments(
        session, [Credit(installment, amount_cents)], paid_at=paid_at, actor=actor
    )


def record_payments(
    session: DbSession, credits: Sequence[Credit], *, paid_at: datetime, actor: Actor
) -> AgreementState:
    """Credit one payment to one or more installments of one agreement (an early payment
    covers several), then advance the agreement once: paying the entrada and everything else
    at once completes it directly. The caller holds the installments' row locks."""
    if not credits:
        raise ValueError("a payment credits at least one installment")
    agreement = credits[0].installment.agreement
    for credit in credits:
        installment = credit.installment
        if credit.amount_cents <= 0 or credit.discount_cents < 0:
            raise ValueError("a payment must be positive")
        if installment.agreement_id != agreement.id:
            raise ValueError("one payment credits one agreement")
        installment.paid_cents += credit.amount_cents
        installment.discount_cents += credit.discount_cents
        if installment.paid_cents + installment.discount_cents >= installment.amount_cents:
            installment.status = InstallmentStatus.PAID
            installment.paid_at = paid_at
        record_event(
            session,
            actor,
            "installment.paid" if installment.is_paid else "installment.part_paid",
            subject=("installment", installment.id),
            creditor_id=agreement.creditor_id,
            details={
                "agreement_id": agreement.id,
                "number": installment.number,
                "amount_cents": credit.amount_cents,
                **({"discount_cents": credit.discount_cents} if credit.discount_cents else {}),
            },
        )
    session.flush()
    trigger = payment_trigger(agreement.lifecycle_state, _schedule(agreement))
    if trigger is not None:
        return apply_trigger(session, agreement, trigger, actor=actor, now=paid_at)
    return agreement.lifecycle_state


def open_agreements(session: DbSession) -> list[int]:
    return list(
        session.scalars(
            sa.select(Agreement.id)
            .where(
                Agreement.state.in_(
                    [AgreementState.AWAITING_DOWN_PAYMENT.value, AgreementState.ACTIVE.value]
                )
            )
            .order_by(Agreement.id)
        )
    )


def apply_due_transition(
    session: DbSession, agreement_id: int, *, today: date, actor: Actor, now: datetime
) -> AgreementState | None:
    """Lapse or break one agreement if its schedule says so today (locked while deciding)."""
    agreement = lock_agreement(session, agreement_id)
    if agreement is None:
        return None
    rule = policy_of(agreement.policy_version).breach
    trigger = due_transition(agreement.lifecycle_state, _schedule(agreement), rule, today)
    if trigger is None:
        return None
    return apply_trigger(session, agreement, trigger, actor=actor, now=now)
