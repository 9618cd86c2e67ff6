"""ItemDispute: a debtor's "não reconheço esta pendência", the company's case until it
answers; DelayReason: why the person is late, as they told one company.

A dispute keeps its optional attachment in the database (PDF, JPEG or PNG up to 5 MB,
checked by content), deferred so that lists never load it; only staff of the item's company
download it. At most one open dispute per item (a partial unique index).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.disputes import (
    MAX_ANSWER_LENGTH,
    MAX_DETAILS_LENGTH,
    DelayReason,
    DisputeOutcome,
    DisputeReason,
    DisputeStatus,
)
from portal.models.base import Base, utcnow
from portal.models.creditor import Creditor
from portal.models.pending_item import PendingItem
from portal.models.staff import StaffUser


def _in(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ItemDispute(Base):
    __tablename__ = "item_disputes"
    __table_args__ = (
        sa.CheckConstraint(f"reason IN ({_in([r.value for r in DisputeReason])})", name="reason"),
        sa.CheckConstraint(f"status IN ({_in([s.value for s in DisputeStatus])})", name="status"),
        sa.CheckConstraint(
            f"outcome IS NULL OR outcome IN ({_in([o.value for o in DisputeOutcome])})",
            name="outcome",
        ),
        sa.CheckConstraint(
            "attachment_size IS NULL OR (attachment_size > 0 AND attachment_size <= 5242880)",
            name="attachment_size",
        ),
        sa.Index(
            "uq_item_disputes_open_item",
            "pending_item_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
        sa.Index("ix_item_disputes_creditor_status", "creditor_id", "status"),
        sa.Index("ix_item_disputes_debtor_id", "debtor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pending_item_id: Mapped[int] = mapped_column(sa.ForeignKey("pending_items.id"))
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    reason: Mapped[str] = mapped_column(sa.String(20))
    details: Mapped[str] = mapped_column(sa.String(MAX_DETAILS_LENGTH), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default=DisputeStatus.OPEN.value)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date]
    attachment_type: Mapped[str | None] = mapped_column(sa.String(40))
    attachment_size: Mapped[int | None]
    attachment: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    answer: Mapped[str | None] = mapped_column(sa.String(MAX_ANSWER_LENGTH))
    previous_amount_cents: Mapped[int | None]
    adjusted_amount_cents: Mapped[int | None]

    item: Mapped[PendingItem] = relationship()
    creditor: Mapped[Creditor] = relationship()
    resolved_by: Mapped[StaffUser | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN


class DelayReasonRecord(Base):
    """The latest "motivo do atraso" a person gave one company (per relationship)."""

    __tablename__ = "delay_reasons"
    __table_args__ = (
        sa.CheckConstraint(f"reason IN ({_in([r.value for r in DelayReason])})", name="reason"),
        sa.ForeignKeyConstraint(
            ["creditor_id", "debtor_id"],
            ["creditor_debtors.creditor_id", "creditor_debtors.debtor_id"],
            name="fk_delay_reasons_relationship",
        ),
    )

    creditor_id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(16))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
