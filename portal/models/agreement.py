"""Offers shown, agreements accepted, their installments and the evidence of acceptance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column, relationship

from portal.domain.agreements import AgreementState
from portal.models.base import Base, JSONType, utcnow
from portal.models.creditor import Creditor
from portal.models.debtor import CreditorDebtor, Debtor
from portal.models.pending_item import PendingItem
from portal.models.policy import PolicyVersion

_STATES = ", ".join(f"'{s.value}'" for s in AgreementState)


class OfferSnapshot(Base):
    """An offer exactly as shown to a debtor, kept until it expires so it can be accepted."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"), index=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    policy_version_id: Mapped[int] = mapped_column(sa.ForeignKey("negotiation_policies.id"))
    item_ids: Mapped[list[int]] = mapped_column(JSONType)
    offer_json: Mapped[str] = mapped_column(sa.Text)
    digest: Mapped[str] = mapped_column(sa.String(64))
    valid_until: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    creditor: Mapped[Creditor] = relationship()
    policy_version: Mapped[PolicyVersion] = relationship()


class Agreement(Base):
    """An accepted plan. Its terms live in the evidence row; this row follows the lifecycle."""

    __tablename__ = "agreements"
    __table_args__ = (
        sa.CheckConstraint(f"state IN ({_STATES})", name="state"),
        sa.CheckConstraint("total_cents > 0", name="total_positive"),
        sa.CheckConstraint("payment_count >= 1", name="payment_count"),
        sa.Index("ix_agreements_debtor_state", "debtor_id", "state"),
        sa.Index("ix_agreements_creditor_updated", "creditor_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    policy_version_id: Mapped[int] = mapped_column(sa.ForeignKey("negotiation_policies.id"))
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offers.id"))
    # The same confirmation submitted twice (double click, two tabs) maps to one agreement.
    acceptance_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    verification_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    state: Mapped[str] = mapped_column(sa.String(24))
    payment_count: Mapped[int]
    total_cents: Mapped[int]
    down_payment_cents: Mapped[int]
    discount_cents: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped on any change to the agreement or its installments (API ``updated_since``).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    end_reason: Mapped[str | None] = mapped_column(sa.String(300))

    debtor: Mapped[Debtor] = relationship()
    creditor: Mapped[Creditor] = relationship()
    # The person as this agreement's company knows them (name and contact for its e-mails
    # and documents); never another company's data.
    contact: Mapped[CreditorDebtor | None] = relationship(
        primaryjoin="and_(foreign(Agreement.creditor_id) == CreditorDebtor.creditor_id, "
        "foreign(Agreement.debtor_id) == CreditorDebtor.debtor_id)",
        viewonly=True,
    )
    policy_version: Mapped[PolicyVersion] = relationship()
    installments: Mapped[list[Installment]] = relationship(
        back_populates="agreement", order_by="Installment.number"
    )
    items: Mapped[list[AgreementItem]] = relationship(back_populates="agreement")
    evidence: Mapped[AgreementEvidence] = relationship(back_populates="agreement")

    @property
    def lifecycle_state(self) -> AgreementState:
        return AgreementState(self.state)


class AgreementItem(Base):
    """A pending item covered by an agreement, with its balance when the agreement was made."""

    __tablename__ = "agreement_items"
    __table_args__ = (sa.CheckConstraint("credited_cents >= 0", name="credited"),)

    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), primary_key=True)
    pending_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pending_items.id"), primary_key=True, index=True
    )
    balance_cents: Mapped[int]
    credited_cents: Mapped[int] = mapped_column(default=0)

    agreement: Mapped[Agreement] = relationship(back_populates="items")
    pending_item: Mapped[PendingItem] = relationship()


class InstallmentStatus:
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"


class Installment(Base):
    """One payment of an agreement; number 0 is the entrada (or the single à vista payment)."""

    __tablename__ = "installments"
    __table_args__ = (
        sa.UniqueConstraint("agreement_id", "number"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("paid_cents >= 0", name="paid_non_negative"),
        sa.CheckConstraint("discount_cents >= 0", name="discount_non_negative"),
        sa.CheckConstraint("status IN ('pending', 'paid', 'cancelled')", name="status"),
        sa.Index("ix_installments_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"))
    number: Mapped[int]
    due_date: Mapped[date]
    amount_cents: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10), default=InstallmentStatus.PENDING)
    paid_cents: Mapped[int] = mapped_column(default=0)
    # The interest removed when it was paid early (CDC art. 52 §2): settled once
    # paid + discount reaches the amount.
    discount_cents: Mapped[int] = mapped_column(default=0)
    paid_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship(back_populates="installments")

    @property
    def is_paid(self) -> bool:
        return self.status == InstallmentStatus.PAID

    @property
    def open_cents(self) -> int:
        """What is still owed on it: amount − paid − interest removed (never negative)."""
        return max(0, self.amount_cents - self.paid_cents - self.discount_cents)


class AgreementEvidence(Base):
    """What was accepted, when, where and how: append-only (ORM guard and database trigger)."""

    __tablename__ = "agreement_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), unique=True)
    offer_json: Mapped[str] = mapped_column(sa.Text)
    offer_digest: Mapped[str] = mapped_column(sa.String(64))
    chosen_payment_count: Mapped[int]
    policy_version: Mapped[int]
    accepted_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(400))
    session_id_hash: Mapped[str] = mapped_column(sa.String(64))
    auth_method: Mapped[str] = mapped_column(sa.String(40))
    one_time_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("one_time_codes.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    agreement: Mapped[Agreement] = relationship(back_populates="evidence")


class EvidenceTamperingError(RuntimeError):
    """Acceptance evidence cannot be changed or removed."""


@event.listens_for(AgreementEvidence, "before_update")
def _no_update(_m: Mapper[AgreementEvidence], _c: sa.Connection, _t: AgreementEvidence) -> None:
    raise EvidenceTamperingError("acceptance evidence is append-only")


@event.listens_for(AgreementEvidence, "before_delete")
def _no_delete(_m: Mapper[AgreementEvidence], _c: sa.Connection, _t: AgreementEvidence) -> None:
    raise EvidenceTamperingError("acceptance evidence is append-only")


@sa.event.listens_for(Session, "before_flush")
def _touch_agreements(session: Session, _context: object, _instances: object) -> None:
    """A changed installment changes its agreement's ``updated_at`` (API change feeds)."""
    for obj in session.dirty:
        if isinstance(obj, Installment) and session.is_modified(obj, include_collections=False):
            agreement = obj.agreement
            if agreement is not None:
                agreement.updated_at = utcnow()
