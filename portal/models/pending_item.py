"""PendingItem: one amount a debtor owes a creditor (an invoice, a contract installment)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin
from portal.models.creditor import Creditor
from portal.models.debtor import Debtor


class ItemStatus(StrEnum):
    OPEN = "open"
    IN_AGREEMENT = "in_agreement"
    PAID = "paid"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"


_STATUSES = ", ".join(f"'{s.value}'" for s in ItemStatus)


class PendingItem(TimestampMixin, Base):
    __tablename__ = "pending_items"
    __table_args__ = (
        sa.UniqueConstraint("creditor_id", "external_reference"),
        sa.CheckConstraint("original_amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint(
            "credited_cents >= 0 AND credited_cents <= original_amount_cents", name="credited"
        ),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        sa.CheckConstraint(
            "contract_multa_pct IS NULL OR (contract_multa_pct >= 0 AND contract_multa_pct <= 100)",
            name="contract_multa_pct",
        ),
        sa.Index("ix_pending_items_debtor_status", "debtor_id", "status"),
        sa.CheckConstraint(
            "bureau_removed_on IS NULL OR bureau_reported", name="bureau_removed_reported"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    external_reference: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str] = mapped_column(sa.String(200))
    original_amount_cents: Mapped[int]
    original_due_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(16), default=ItemStatus.OPEN.value)
    # The contract's late-payment fine, when the creditor sends one. Business debtors (CNPJ)
    # follow it; for consumers (CPF) the law caps it at 2 % whatever it says.
    contract_multa_pct: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    # Paid towards this item through agreements that later broke: what is left to pay is
    # the original amount minus this credit.
    credited_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    # Reported to a credit bureau (SPC, Serasa…), as the company says through the API or a
    # CSV: once paid, the company must remove the record within 5 business days (Súmula
    # 548 STJ) and the debtor follows it (portal.domain.bureau).
    bureau_reported: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # When it became paid (agreement completed, credits covering it, or marked by the
    # company), and the day the company confirmed the record was removed.
    paid_at: Mapped[datetime | None]
    bureau_removed_on: Mapped[date | None]

    creditor: Mapped[Creditor] = relationship(lazy="joined", innerjoin=True)
    debtor: Mapped[Debtor] = relationship()

    @property
    def outstanding_principal_cents(self) -> int:
        return self.original_amount_cents - self.credited_cents

    def days_overdue(self, as_of: date) -> int:
        return max(0, (as_of - self.original_due_date).days)
