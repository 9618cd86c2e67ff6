"""Pix Automático: the payer's authorisation of a recurrence per agreement (``rec``), and each
installment's recurring charge (``cobr``), tied to the payment attempt it settles."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.pix_automatico import ChargeOutcome, RecurrenceStatus
from portal.models.agreement import Agreement, Installment
from portal.models.base import Base, JSONType, TimestampMixin
from portal.models.payment import Payment

_STATUSES = ", ".join(f"'{s.value}'" for s in RecurrenceStatus)
_OUTCOMES = ", ".join(f"'{s.value}'" for s in ChargeOutcome)


class PixRecurrence(TimestampMixin, Base):
    """One authorisation request for an agreement's installments. A new request may follow one
    that ended (rejected, expired, cancelled); the service keeps at most one live."""

    __tablename__ = "pix_recurrences"
    __table_args__ = (sa.CheckConstraint(f"status IN ({_STATUSES})", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    # The API Pix's idRec (29 characters), or the sandbox's reference.
    provider_ref: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=RecurrenceStatus.REQUESTED.value)
    retry_policy: Mapped[str] = mapped_column(sa.String(16))
    first_due: Mapped[date]
    last_due: Mapped[date]
    # The QR code (copia e cola) the payer scans in her bank app to authorise (Jornada 2).
    pix_payload: Mapped[str | None] = mapped_column(sa.Text)
    requested_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(sa.String(16))  # domain.Canceller
    end_code: Mapped[str | None] = mapped_column(sa.String(8))  # AP13, ACCL, SLDB, …
    flags: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    agreement: Mapped[Agreement] = relationship()
    charges: Mapped[list[RecurringCharge]] = relationship(
        back_populates="recurrence", order_by="RecurringCharge.due_date"
    )

    @property
    def recurrence_status(self) -> RecurrenceStatus:
        return RecurrenceStatus(self.status)


class RecurringCharge(TimestampMixin, Base):
    """One installment's ``cobr`` under an authorisation, with the payment attempt (``payments``
    row, method ``pix``) that applies its money through the ordinary exactly-once path."""

    __tablename__ = "recurring_charges"
    __table_args__ = (
        sa.CheckConstraint(f"outcome IN ({_OUTCOMES})", name="outcome"),
        sa.CheckConstraint("retries >= 0", name="retries_non_negative"),
        sa.Index("ix_recurring_charges_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recurrence_id: Mapped[int] = mapped_column(sa.ForeignKey("pix_recurrences.id"), index=True)
    installment_id: Mapped[int] = mapped_column(sa.ForeignKey("installments.id"), index=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), unique=True)
    txid: Mapped[str] = mapped_column(sa.String(40), unique=True)
    due_date: Mapped[date]
    amount_cents: Mapped[int]
    outcome: Mapped[str] = mapped_column(sa.String(12), default=ChargeOutcome.PENDING.value)
    retries: Mapped[int] = mapped_column(default=0)
    next_retry_on: Mapped[date | None]
    last_rejection: Mapped[str | None] = mapped_column(sa.String(8))
    # Failed attempts the debtor has been told about (one message per failure).
    failures_told: Mapped[int] = mapped_column(default=0)

    recurrence: Mapped[PixRecurrence] = relationship(back_populates="charges")
    installment: Mapped[Installment] = relationship()
    payment: Mapped[Payment] = relationship()
