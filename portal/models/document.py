"""PDF documents (terms, receipts, discharge letters), rendered once by a task and stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.agreement import Agreement
from portal.models.base import Base, utcnow


class DocumentKind(StrEnum):
    TERMS = "terms"  # termo de acordo
    RECEIPT = "receipt"  # comprovante de pagamento
    DISCHARGE = "discharge"  # termo de quitação


class DocumentStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


_KINDS = ", ".join(f"'{k.value}'" for k in DocumentKind)
_STATUSES = ", ".join(f"'{s.value}'" for s in DocumentStatus)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One document per (agreement, kind, installment): "<agreement>:<kind>:<installment or 0>".
    doc_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), index=True)
    installment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("installments.id"))
    # Receipts: the payment acknowledged (filed under the first installment it paid).
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    # Printed on the document and encoded in its QR code: /verificar/<code>.
    verification_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    status: Mapped[str] = mapped_column(sa.String(8), default=DocumentStatus.PENDING)
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size_bytes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rendered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)

    agreement: Mapped[Agreement] = relationship()

    @staticmethod
    def key_for(agreement_id: int, kind: DocumentKind, installment_id: int | None = None) -> str:
        return f"{agreement_id}:{kind.value}:{installment_id or 0}"
