"""Debtor: a person (CPF) or a firm (CNPJ) who owes one or more creditors."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.domain.documents import DocumentType, mask_document, normalise_document
from portal.domain.records import normalise_phone
from portal.models.base import Base, TimestampMixin


class Debtor(TimestampMixin, Base):
    __tablename__ = "debtors"
    __table_args__ = (
        sa.CheckConstraint("document_type IN ('cpf', 'cnpj')", name="document_type"),
        sa.CheckConstraint(
            "(document_type = 'cpf' AND length(document) = 11) OR "
            "(document_type = 'cnpj' AND length(document) = 14)",
            name="document_length",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    document_type: Mapped[str] = mapped_column(sa.String(4))
    document: Mapped[str] = mapped_column(sa.String(14), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    birth_date: Mapped[date | None]
    # Bumped on logout and when access is blocked: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    access_blocked_at: Mapped[datetime | None]

    @validates("document")
    def _validate_document(self, _key: str, value: str) -> str:
        kind, normalised = normalise_document(value)
        self.document_type = kind.value
        return normalised

    @validates("email")
    def _validate_email(self, _key: str, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            raise ValueError("invalid e-mail address") from exc

    @validates("phone")
    def _validate_phone(self, _key: str, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @property
    def can_sign_in(self) -> bool:
        return self.access_blocked_at is None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""

    @property
    def is_consumer(self) -> bool:
        """A person (CPF): consumer protection rules apply (e.g. multa capped at 2 %)."""
        return self.document_type == DocumentType.CPF

    @property
    def document_masked(self) -> str:
        return mask_document(self.document)

    def __repr__(self) -> str:  # never the full document, even in a debugger or a log
        return f"<Debtor id={self.id} document={self.document_masked}>"
