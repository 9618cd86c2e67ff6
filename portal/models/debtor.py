"""Debtor: a person (CPF) or a firm (CNPJ); CreditorDebtor: that person as one company knows them.

The ``Debtor`` row is shared by every company (one per CPF/CNPJ) and so holds nothing a company
sends: only the document and the session state. Name, e-mail, phone and birth date belong to
each company's relationship with the person (``CreditorDebtor``): what company A pushes is
never shown to company B, nor to a session that has not proved the relationship with A
(docs/security.md, "Which proof opens what").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.domain.documents import DocumentType, mask_document, normalise_document
from portal.domain.records import normalise_phone
from portal.domain.search import fold
from portal.models.base import Base, TimestampMixin, utcnow

if TYPE_CHECKING:
    from portal.models.creditor import Creditor


def normalise_email(value: str) -> str:
    """The canonical form e-mails are stored and compared in; ValueError when invalid."""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError("invalid e-mail address") from exc


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
    document_type: Mapped[str] = mapped_column(sa.String(4))
    document: Mapped[str] = mapped_column(sa.String(14), unique=True)
    # Bumped on logout and when access is blocked: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    access_blocked_at: Mapped[datetime | None]

    @validates("document")
    def _validate_document(self, _key: str, value: str) -> str:
        kind, normalised = normalise_document(value)
        self.document_type = kind.value
        return normalised

    @property
    def can_sign_in(self) -> bool:
        return self.access_blocked_at is None

    @property
    def is_consumer(self) -> bool:
        """A person (CPF): consumer protection rules apply (e.g. multa capped at 2 %)."""
        return self.document_type == DocumentType.CPF

    @property
    def document_masked(self) -> str:
        return mask_document(self.document)

    def __repr__(self) -> str:  # never the full document, even in a debugger or a log
        return f"<Debtor id={self.id} document={self.document_masked}>"


class CreditorDebtor(Base):
    """The person as known to one company: the contact data that company sent (its own).

    Written only by that company (its API key, its CSV import, demo data) and by the person
    after a fresh one-time code; read only for that company's pages, e-mails and documents.
    """

    __tablename__ = "creditor_debtors"
    __table_args__ = (sa.Index("ix_creditor_debtors_debtor_id", "debtor_id"),)

    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # ``fold(name)``: lower case without accents, kept by the ``name`` validator, so staff
    # search ignores accents and case on every database (migration 0021 filled old rows).
    search_name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    birth_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    creditor: Mapped[Creditor] = relationship()
    debtor: Mapped[Debtor] = relationship()

    @validates("name")
    def _validate_name(self, _key: str, value: str) -> str:
        self.search_name = fold(value or "")
        return value

    @validates("email")
    def _validate_email(self, _key: str, value: str | None) -> str | None:
        return normalise_email(value) if value else None

    @validates("phone")
    def _validate_phone(self, _key: str, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""

    def __repr__(self) -> str:  # no contact data in a debugger or a log
        return f"<CreditorDebtor creditor={self.creditor_id} debtor={self.debtor_id}>"
