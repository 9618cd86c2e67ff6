"""Accepting an offer.

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

from portal.core import DbSession, affected
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.agreements import (
    AgreementState,
)
from portal.domain.offers import Offer
from portal.models import (
    Agreement,
    AgreementEvidence,
    AgreementItem,
    Debtor,
    DocumentKind,
    Installment,
    ItemStatus,
    OfferSnapshot,
    PendingItem,
)
from portal.services.documents import queue_document
from portal.services.integration import agreement_payload, emit
from portal.services.negotiation.mail import agreement_mail_context
from portal.services.notify import queue_email

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


class AcceptanceError(Exception):
    """The offer cannot be accepted as it stands; ``reason`` says why (for the page)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AcceptanceContext:
    """How and from where the debtor accepted (requirements.md F1)."""

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
    _after_acceptance(session, agreement, snapshot.digest)
    session.flush()
    emit(session, agreement.creditor_id, "agreement.accepted", agreement_payload(agreement))
    return agreement


def _after_acceptance(session: DbSession, agreement: Agreement, digest: str) -> None:
    queue_document(session, agreement, DocumentKind.TERMS)
    session.flush()
    contact = agreement.contact  # the person as this company knows them, never another's
    if contact is not None and contact.email:
        queue_email(
            session,
            to=contact.email,
            template="agreement_accepted",
            context={
                **agreement_mail_context(agreement),
                "digest": digest,
                "verification_code": agreement.verification_code,
            },
        )
