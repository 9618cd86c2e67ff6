"""Negotiation policy versions: a creditor's rules, immutable once published.

The terms are the JSON form of ``portal.domain.policy.NegotiationPolicy`` (without its id and
version, which come from the row). An agreement records the version it was made under, so a
version is never changed: a change is a new version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from portal.models.base import Base, JSONType, utcnow
from portal.models.creditor import Creditor


class PolicyVersion(Base):
    __tablename__ = "negotiation_policies"
    __table_args__ = (
        sa.UniqueConstraint("creditor_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    version: Mapped[int]
    terms: Mapped[dict[str, Any]] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_type: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[str | None] = mapped_column(sa.String(64))

    creditor: Mapped[Creditor] = relationship()


class ImmutablePolicyError(RuntimeError):
    """A published policy version cannot be changed or removed."""


@event.listens_for(PolicyVersion, "before_update")
def _refuse_update(_m: Mapper[PolicyVersion], _c: sa.Connection, _t: PolicyVersion) -> None:
    raise ImmutablePolicyError("policy versions are immutable; publish a new version")


@event.listens_for(PolicyVersion, "before_delete")
def _refuse_delete(_m: Mapper[PolicyVersion], _c: sa.Connection, _t: PolicyVersion) -> None:
    raise ImmutablePolicyError("policy versions are immutable")
