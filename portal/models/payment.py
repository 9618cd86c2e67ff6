"""Payment attempts, provider events (exactly once), the sandbox's charges, and the outbox of
events for the companies' integrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.payments import PaymentStatus
from portal.models.agreement import Agreement, Installment
from portal.models.base import Base, JSONType, TimestampMixin, utcnow

_STATUSES = ", ".join(f"'{s.value}'" for s in PaymentStatus)
# How a debtor can pay (the API's ``PaymentOut.method`` names the same: tests/api/test_contract.py).
PAYMENT_METHODS = ("pix", "card", "boleto")
_METHODS = ", ".join(f"'{m}'" for m in PAYMENT_METHODS)


class PaymentKind:
    """What an attempt pays: the next installment, or several at once, early, with the
    interest removed pro rata (CDC art. 52 §2): the last ones ("Antecipar parcelas") or all
    that are left ("Quitar agora")."""

    INSTALLMENT = "installment"
    PREPAYMENT = "prepayment"
    SETTLEMENT = "settlement"
    EARLY = frozenset({PREPAYMENT, SETTLEMENT})


class Payment(TimestampMixin, Base):
    """One attempt to pay by Pix, card or boleto, through one provider: one installment, or several
    paid early (``covers``; ``installment_id`` is then the first of them)."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        sa.CheckConstraint(f"method IN ({_METHODS})", name="method"),
        sa.CheckConstraint("kind IN ('installment', 'prepayment', 'settlement')", name="kind"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("discount_cents >= 0", name="discount_non_negative"),
        sa.CheckConstraint(
            "applied_cents >= 0 AND excess_cents >= 0 AND refunded_cents >= 0",
            name="non_negative",
        ),
        sa.UniqueConstraint("installment_id", "attempt"),
        sa.Index("ix_payments_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    installment_id: Mapped[int] = mapped_column(sa.ForeignKey("installments.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    method: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[str] = mapped_column(sa.String(12), default=PaymentKind.INSTALLMENT)
    attempt: Mapped[int]
    # Derived from our ids, sent with every create call (requirements.md C8).
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    provider_ref: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=PaymentStatus.CREATED.value)
    amount_cents: Mapped[int]
    # Early payments: the interest removed (the covered installments' face value − amount).
    discount_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="brl")
    amount_received_cents: Mapped[int | None]
    applied_cents: Mapped[int] = mapped_column(default=0)
    excess_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    pix_payload: Mapped[str | None] = mapped_column(sa.Text)
    checkout_url: Mapped[str | None] = mapped_column(sa.Text)
    # Boleto: the linha digitável (47 digits) and the provider's voucher page and PDF;
    # ``expires_at`` is the voucher's due moment.
    boleto_line: Mapped[str | None] = mapped_column(sa.String(60))
    voucher_url: Mapped[str | None] = mapped_column(sa.Text)
    voucher_pdf_url: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[datetime | None]
    succeeded_at: Mapped[datetime | None]
    # late_success, amount_mismatch (held, not applied), duplicate (refunded), …
    flags: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    installment: Mapped[Installment] = relationship()
    agreement: Mapped[Agreement] = relationship()
    covers: Mapped[list[PaymentCover]] = relationship(
        back_populates="payment", order_by="PaymentCover.number"
    )

    @property
    def payment_status(self) -> PaymentStatus:
        return PaymentStatus(self.status)

    @property
    def is_early(self) -> bool:
        return self.kind in PaymentKind.EARLY

    @property
    def installment_numbers(self) -> list[int]:
        """The installments this attempt pays, in order."""
        return [c.number for c in self.covers] if self.is_early else [self.installment.number]


class PaymentCover(Base):
    """One installment an early payment pays, as quoted: what was still owed on it and the
    part of the payment booked to it (its present value; ``owed − amount`` is the interest
    removed). Written with the attempt, never changed."""

    __tablename__ = "payment_covers"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0 AND owed_cents >= amount_cents", name="amounts"),
    )

    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), primary_key=True)
    installment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("installments.id"), primary_key=True, index=True
    )
    number: Mapped[int]
    owed_cents: Mapped[int]
    amount_cents: Mapped[int]

    payment: Mapped[Payment] = relationship(back_populates="covers")
    installment: Mapped[Installment] = relationship()

    @property
    def discount_cents(self) -> int:
        return self.owed_cents - self.amount_cents


class ProviderEventRecord(Base):
    """A verified provider event, stored under its UNIQUE id with the change it caused.

    A webhook records it first with ``outcome = 'received'`` and ``report`` (what applying
    needs: ids, status and amounts, nothing personal), answering at once; applying it later
    (``portal.services.payments.inbox``) sets the outcome in the same transaction as the
    change. The partial index keeps the received ones cheap to find.
    """

    __tablename__ = "provider_events"
    __table_args__ = (
        sa.UniqueConstraint("provider", "event_id"),
        sa.Index(
            "ix_provider_events_received",
            "id",
            postgresql_where=sa.text("outcome = 'received'"),
            sqlite_where=sa.text("outcome = 'received'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    event_id: Mapped[str] = mapped_column(sa.String(120))
    type: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    applied_at: Mapped[datetime | None]


class SandboxCharge(Base):
    """The sandbox provider's own state (embedded default only; empty in production)."""

    __tablename__ = "sandbox_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(40), unique=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(12))
    amount_cents: Mapped[int]
    pix_payload: Mapped[str | None] = mapped_column(sa.Text)
    success_url: Mapped[str | None] = mapped_column(sa.Text)
    cancel_url: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[datetime]
    refunded_cents: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class OutboxEvent(Base):
    """An event for the creditor's integration (agreement.accepted, payment.succeeded, …),
    written in the same transaction as what it reports; delivered later by a task."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        sa.Index("ix_outbox_events_creditor_time", "creditor_id", "occurred_at"),
        sa.UniqueConstraint("creditor_id", "sequence", name="uq_outbox_events_sequence"),
    )

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # evt_… (webhook-id)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    type: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 1, 2, 3 … per creditor, in the order the events happened (receivers sort by it).
    sequence: Mapped[int] = mapped_column()


class EventSequence(Base):
    """The last event sequence number given to each creditor (one row per creditor)."""

    __tablename__ = "event_sequences"

    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), primary_key=True)
    last_value: Mapped[int] = mapped_column()
