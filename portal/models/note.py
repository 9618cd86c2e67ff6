"""DebtorNote: what support staff wrote down about a debtor, for one creditor. Append-only.

A note belongs to the creditor it was written for, so staff of another creditor never see
it. Notes are never edited or removed (the ORM refuses, and so do database triggers): a
correction is a new note.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from portal.models.base import Base, utcnow
from portal.models.creditor import Creditor
from portal.models.staff import StaffUser

MAX_NOTE_LENGTH = 2000


class DebtorNote(Base):
    __tablename__ = "debtor_notes"
    __table_args__ = (
        sa.CheckConstraint(
            f"length(text) >= 1 AND length(text) <= {MAX_NOTE_LENGTH}", name="text_length"
        ),
        sa.Index("ix_debtor_notes_debtor_created", "debtor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    text: Mapped[str] = mapped_column(sa.String(MAX_NOTE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    creditor: Mapped[Creditor] = relationship()
    author: Mapped[StaffUser] = relationship()


class ImmutableNoteError(RuntimeError):
    """A note cannot be changed or removed; write a new one."""


@event.listens_for(DebtorNote, "before_update")
def _refuse_update(_m: Mapper[DebtorNote], _c: sa.Connection, _t: DebtorNote) -> None:
    raise ImmutableNoteError("debtor notes are append-only")


@event.listens_for(DebtorNote, "before_delete")
def _refuse_delete(_m: Mapper[DebtorNote], _c: sa.Connection, _t: DebtorNote) -> None:
    raise ImmutableNoteError("debtor notes are append-only")
