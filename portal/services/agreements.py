"""Accepting an offer, and every later change of an agreement's state.

Acceptance is atomic and idempotent: the items are claimed by one conditional UPDATE (row
locks on PostgreSQL), so two submissions of the same confirmation, even at the same instant,
make one agreement; the second finds it by its acceptance key. Evidence is written once,
append-only, with the frozen offer and its digest. E-mails and documents leave after commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal.domain.agreements import (
    AgreementState,
    ScheduledPayment,
    Trigger,
    allocate,
    payment_trigger,
    transition,
)
from portal.domain.offers import Offer
from portal.models import (
    ActorType,
    Agreement,
    AgreementEvidence,
    AgreementItem,
    Debtor,
    Installment,
    InstallmentStatus,
    ItemStatus,
    OfferSnapshot,
    PendingItem,
)
from portal.services import DbSession, affected
from portal.services.audit import record_event
from portal.services.context import Actor

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


class AcceptanceError(Exception):
    """The offer cannot be accepted as it stands; ``reason`` says why (for the page)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AcceptanceContext:
    """How and from where the debtor accepted (security.md F1)."""

    ip: str | None
    user_agent: str | None
    session_id_hash: str
    auth_method: str
    one_time_code_id: int | None


def new_verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def find_by_acceptance_key(session: DbSession, debtor_id: int, key: str) -> Agreement | None:
    return session.scalar(
        sa.select(Agreement).where(
            Agreement.acceptance_key == key, Agreement.debtor_id == debtor_id
        )
    )


def _claim_items(session: DbSession, snapshot: OfferSnapshot) -> bool:
    """Move every item of the offer from open to in_agreement, or none of them."""
    ids = sorted(snapshot.item_ids)
    # Lock in a fixed order first (PostgreSQL), so two acceptances never deadlock.
    session.execute(
        sa.select(PendingItem.id)
        .where(PendingItem.id.in_(ids))
        .order_by(PendingItem.id)
        .with_for_update()
    ).all()
    claimed = session.execute(
        sa.update(PendingItem)
        .where(
            PendingItem.id.in_(ids),
            PendingItem.debtor_id == snapshot.debtor_id,
            PendingItem.creditor_id == snapshot.creditor_id,
            PendingItem.status == ItemStatus.OPEN,
        )
        .values(status=ItemStatus.IN_AGREEMENT)
        .execution_options(synchronize_session=False)
    )
    return affected(claimed) == len(ids)


def accept_offer(
    session: DbSession,
    debtor: Debtor,
    snapshot: OfferSnapshot,
    offer: Offer,
    payment_count: int,
    *,
    acceptance_key: str,
    context: AcceptanceContext,
    actor: Actor,
    now: datetime,
    today: date,
) -> Agreement:
    """Turn the stored offer into an agreement, once.

    Raises ``AcceptanceError`` with reason ``expired``, ``first_payment_passed`` (the agreement
    would start overdue), ``invalid_option``, ``stale`` (an item changed since the offer) or
    ``taken`` (the items are no longer open; the caller rolls back and looks the agreement up
    by its acceptance key).
    """
    existing = find_by_acceptance_key(session, debtor.id, acceptance_key)
    if existing is not None:
        return existing
    if snapshot.debtor_id != debtor.id:
        raise AcceptanceError("expired")
    if today > offer.first_payment_date:
        raise AcceptanceError("first_payment_passed")
    if not offer.is_open_on(today):
        raise AcceptanceError("expired")
    option = next((o for o in offer.options if o.payment_count == payment_count), None)
    if option is None or not option.valid:
        raise AcceptanceError("invalid_option")
    items = {
        item.id: item
        for item in session.scalars(
            sa.select(PendingItem).where(PendingItem.id.in_(snapshot.item_ids))
        )
    }
    for line in offer.items:
        item = items.get(int(line.balance.item_id))
        if item is None or item.outstanding_principal_cents != line.balance.principal_cents:
            raise AcceptanceError("stale")
    if not _claim_items(session, snapshot):
        raise AcceptanceError("taken")
    agreement = Agreement(
        debtor_id=debtor.id,
        creditor_id=snapshot.creditor_id,
        policy_version_id=snapshot.policy_version_id,
        offer_id=snapshot.id,
        acceptance_key=acceptance_key,
        verification_code=new_verification_code(),
        state=AgreementState.AWAITING_DOWN_PAYMENT.value,
        payment_count=payment_count,
        total_cents=option.total_cents,
        down_payment_cents=option.down_payment_cents,
        discount_cents=option.discount_cents,
        created_at=now,
        state_changed_at=now,
    )
    session.add(agreement)
    session.flush()
    for line in offer.items:
        session.add(
            AgreementItem(
                agreement_id=agreement.id,
                pending_item_id=int(line.balance.item_id),
                balance_cents=line.balance.total_cents,
            )
        )
    for payment in option.installments:
        session.add(
            Installment(
                agreement_id=agreement.id,
                number=payment.number,
                due_date=payment.due_date,
                amount_cents=payment.amount_cents,
            )
        )
    session.add(
        AgreementEvidence(
            agreement_id=agreement.id,
            offer_json=snapshot.offer_json,
            offer_digest=snapshot.digest,
            chosen_payment_count=payment_count,
            policy_version=offer.policy_version,
            accepted_at=now,
            ip=context.ip,
            user_agent=context.user_agent,
            session_id_hash=context.session_id_hash,
            auth_method=context.auth_method,
            one_time_code_id=context.one_time_code_id,
            details={"terms_checkbox": True, "offer_token": snapshot.token},
        )
    )
    session.flush()
    record_event(
        session,
        actor,
        "agreement.accepted",
        subject=("agreement", agreement.id),
        creditor_id=agreement.creditor_id,
        details={
            "debtor_id": debtor.id,
            "payments": payment_count,
            "total_cents": option.total_cents,
            "digest": snapshot.digest,
        },
    )
    _after_acceptance(session, agreement, debtor, snapshot.digest)
    from portal.services.integration import agreement_payload, emit

    session.flush()
    emit(session, agreement.creditor_id, "agreement.accepted", agreement_payload(agreement))
    return agreement


def _after_acceptance(
    session: DbSession, agreement: Agreement, debtor: Debtor, digest: str
) -> None:
    from portal.services.mail import queue_email

    _queue_document(session, agreement, "terms")
    if debtor.email:
        queue_email(
            session,
            to=debtor.email,
            template="agreement_accepted",
            context={
                "first_name": debtor.first_name,
                "creditor": agreement.creditor.legal_name,
                "creditor_cnpj": agreement.creditor.cnpj_formatted,
                "agreement_id": agreement.id,
                "digest": digest,
                "verification_code": agreement.verification_code,
            },
        )


def _queue_document(
    session: DbSession, agreement: Agreement, kind: str, installment: Installment | None = None
) -> None:
    try:
        from portal.services.documents import queue_document
    except ImportError:  # documents arrive with their own module
        return
    from portal.models import DocumentKind

    queue_document(session, agreement, DocumentKind(kind), installment)


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
        _reopen_items(session, agreement, credit=credit)
    elif after == AgreementState.COMPLETED:
        for link in agreement.items:
            link.pending_item.status = ItemStatus.PAID
        _queue_document(session, agreement, "discharge")
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
    from portal.services.integration import EVENT_TYPES, agreement_payload, emit

    if f"agreement.{after.value}" in EVENT_TYPES:
        session.flush()
        emit(
            session, agreement.creditor_id, f"agreement.{after.value}", agreement_payload(agreement)
        )
    return after


def _reopen_items(session: DbSession, agreement: Agreement, *, credit: bool) -> None:
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
        item.status = ItemStatus.PAID if item.outstanding_principal_cents == 0 else ItemStatus.OPEN
    session.flush()


def _notify(
    session: DbSession, agreement: Agreement, state: AgreementState, *, by_staff: bool = False
) -> None:
    from portal.services.mail import queue_email

    template = {
        AgreementState.BROKEN: "agreement_broken",
        AgreementState.LAPSED: "agreement_lapsed",
        AgreementState.CANCELLED: "agreement_cancelled",
        AgreementState.COMPLETED: "agreement_completed",
    }.get(state)
    debtor = agreement.debtor
    if template is None or not debtor.email:
        return
    queue_email(
        session,
        to=debtor.email,
        template=template,
        context={
            "first_name": debtor.first_name,
            "creditor": agreement.creditor.legal_name,
            "agreement_id": agreement.id,
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
        from portal.domain.agreements import IllegalTransition

        raise IllegalTransition(agreement.lifecycle_state, Trigger.CANCELLED_BY_DEBTOR)
    return apply_trigger(
        session,
        agreement,
        Trigger.CANCELLED_BY_DEBTOR,
        actor=actor,
        now=now,
        reason="cancelado pelo devedor",
    )


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
    if amount_cents <= 0:
        raise ValueError("a payment must be positive")
    installment.paid_cents += amount_cents
    if installment.paid_cents >= installment.amount_cents:
        installment.status = InstallmentStatus.PAID
        installment.paid_at = paid_at
    agreement = installment.agreement
    record_event(
        session,
        actor,
        "installment.paid" if installment.is_paid else "installment.part_paid",
        subject=("installment", installment.id),
        creditor_id=agreement.creditor_id,
        details={
            "agreement_id": agreement.id,
            "number": installment.number,
            "amount_cents": amount_cents,
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
    from portal.domain.agreements import due_transition
    from portal.services.policies import policy_of

    agreement = lock_agreement(session, agreement_id)
    if agreement is None:
        return None
    rule = policy_of(agreement.policy_version).breach
    trigger = due_transition(agreement.lifecycle_state, _schedule(agreement), rule, today)
    if trigger is None:
        return None
    return apply_trigger(session, agreement, trigger, actor=actor, now=now)
