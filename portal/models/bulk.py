"""Bulk issue of access links for a segment: the job, and one row per debtor it covers.

The debtors are frozen when the job is created (what the agent saw is what gets links).
A link's raw token exists only when it is issued; for the export CSV the job keeps it
*sealed* (encrypted with a key derived from the app secret, ``portal.services.access.bulk_links``)
until the short export window closes, then erases it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, JSONType, utcnow
from portal.models.creditor import Creditor
from portal.models.debtor import Debtor


class BulkJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BulkLinkStatus(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"


_JOB_STATUSES = ", ".join(f"'{s.value}'" for s in BulkJobStatus)
_LINK_STATUSES = ", ".join(f"'{s.value}'" for s in BulkLinkStatus)


class BulkJob(Base):
    """Links issued in bulk for one segment of one creditor, by one staff member."""

    __tablename__ = "bulk_jobs"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_JOB_STATUSES})", name="status"),
        sa.CheckConstraint("channel IN ('sms', 'whatsapp')", name="channel"),
        sa.CheckConstraint(
            "total >= 0 AND done >= 0 AND failed >= 0 AND done + failed <= total",
            name="counts",
        ),
        sa.CheckConstraint("link_days >= 1", name="link_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    filter: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    channel: Mapped[str] = mapped_column(sa.String(8))
    link_days: Mapped[int]
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(8), default=BulkJobStatus.QUEUED.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Until then the staff member who ran the job may download the links; then they are erased.
    export_expires_at: Mapped[datetime | None]

    creditor: Mapped[Creditor] = relationship()

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 when there was nothing to do)."""
        if self.total == 0:
            return 100 if self.status == BulkJobStatus.DONE else 0
        return self.processed * 100 // self.total


class BulkJobLink(Base):
    """One debtor of a bulk job, and the link issued for them (if any)."""

    __tablename__ = "bulk_job_links"
    __table_args__ = (
        sa.UniqueConstraint("job_id", "debtor_id"),
        sa.CheckConstraint(f"status IN ({_LINK_STATUSES})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("bulk_jobs.id", ondelete="CASCADE"))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    position: Mapped[int]  # rank in the segment when the job was created
    status: Mapped[str] = mapped_column(sa.String(8), default=BulkLinkStatus.PENDING.value)
    access_link_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("access_links.id"), unique=True
    )
    sealed_token: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.String(40))

    debtor: Mapped[Debtor] = relationship()
