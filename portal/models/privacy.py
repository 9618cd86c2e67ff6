"""DataRequest: a debtor's LGPD request to one company (arts. 18 and 19), answered by staff.

A correction request names the field and says what is wrong; the company answers within
15 days of the request (art. 19 II), counted in calendar days. ``due_on`` is fixed when the
request is made; an open request past it is overdue in the back-office queue.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, utcnow
from portal.models.creditor import Creditor
from portal.models.staff import StaffUser

MAX_REQUEST_TEXT = 2000
DEADLINE_DAYS = 15


class DataRequestKind(StrEnum):
    CORRECTION = "correction"  # art. 18 III: correct incomplete, inexact or outdated data


class DataRequestField(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    BIRTH_DATE = "birth_date"
    ITEM = "item"  # a pendência (amount, date, description)
    AGREEMENT = "agreement"
    PAYMENT = "payment"
    OTHER = "other"


class DataRequestStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


def _in(values: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class DataRequest(Base):
    __tablename__ = "data_requests"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_in(DataRequestKind)})", name="kind"),
        sa.CheckConstraint(f"field IN ({_in(DataRequestField)})", name="field"),
        sa.CheckConstraint(f"status IN ({_in(DataRequestStatus)})", name="status"),
        sa.CheckConstraint(
            f"length(details) >= 1 AND length(details) <= {MAX_REQUEST_TEXT}",
            name="details_length",
        ),
        sa.CheckConstraint(
            "(status = 'open' AND answered_at IS NULL) OR "
            "(status = 'done' AND answered_at IS NOT NULL AND answer IS NOT NULL)",
            name="answered_when_done",
        ),
        sa.Index("ix_data_requests_creditor_status_due", "creditor_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    field: Mapped[str] = mapped_column(sa.String(12))
    details: Mapped[str] = mapped_column(sa.String(MAX_REQUEST_TEXT))
    status: Mapped[str] = mapped_column(sa.String(8), default=DataRequestStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date]
    answer: Mapped[str | None] = mapped_column(sa.String(MAX_REQUEST_TEXT))
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    creditor: Mapped[Creditor] = relationship()
    answered_by: Mapped[StaffUser | None] = relationship()
