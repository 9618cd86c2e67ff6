"""CSV imports of debtors and pending items: one row per file, from upload to report.

The uploaded bytes are kept, in chunks (``ImportChunk``: the file is streamed, never held
whole in memory), only until the import has run (they are then erased: LGPD data
minimisation); what stays is the counts and the error report, which names lines,
columns and reasons but never a cell's value.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, JSONType, utcnow
from portal.models.creditor import Creditor


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # every row read; some may be in the error report
    FAILED = "failed"  # the file as a whole could not be read (``failure`` says why)


class ImportOrigin(StrEnum):
    STAFF = "staff"  # uploaded in the back-office (``staff_id`` set)
    CLI = "cli"  # ``flask --app portal import-items``


_STATUSES = ", ".join(f"'{s.value}'" for s in ImportStatus)
_ORIGINS = ", ".join(f"'{o.value}'" for o in ImportOrigin)


class ImportJob(Base):
    __tablename__ = "import_jobs"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        sa.CheckConstraint(f"origin IN ({_ORIGINS})", name="origin"),
        sa.CheckConstraint(
            "total_rows >= 0 AND processed_rows >= 0 AND created_rows >= 0 "
            "AND updated_rows >= 0 AND unchanged_rows >= 0 AND error_rows >= 0",
            name="counts",
        ),
        sa.Index("ix_import_jobs_creditor_created", "creditor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    origin: Mapped[str] = mapped_column(sa.String(8))
    file_name: Mapped[str] = mapped_column(sa.String(120))  # sanitised: no document numbers
    status: Mapped[str] = mapped_column(sa.String(8), default=ImportStatus.QUEUED.value)
    size_bytes: Mapped[int] = mapped_column(default=0)
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_rows: Mapped[int] = mapped_column(default=0)
    updated_rows: Mapped[int] = mapped_column(default=0)
    unchanged_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    # CSV ``linha;coluna;codigo;mensagem`` in pt-BR; None when no row was refused.
    error_report: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    # Why the file could not be read: a domain Message as {"code", "key", "params"}.
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    creditor: Mapped[Creditor] = relationship()

    @property
    def percent(self) -> int:
        """Rows read so far, in whole percent (100 once finished)."""
        if self.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportChunk(Base):
    """One piece of an uploaded file (``CHUNK_BYTES`` of it), in order, until it is imported."""

    __tablename__ = "import_job_chunks"

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
