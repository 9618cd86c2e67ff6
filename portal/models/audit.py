"""AuditEvent: the append-only record of every state change that matters.

Rows are only ever inserted. The ORM refuses updates and deletes, and the migration adds
database triggers that refuse them too, so neither a bug nor a hand-typed SQL statement
can rewrite history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from portal.models.base import Base, JSONType, utcnow


class ActorType(StrEnum):
    SYSTEM = "system"
    DEBTOR = "debtor"
    STAFF = "staff"
    API_KEY = "api_key"
    PROVIDER = "provider"


_ACTORS = ", ".join(f"'{a.value}'" for a in ActorType)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.CheckConstraint(f"actor_type IN ({_ACTORS})", name="actor_type"),
        sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    creditor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(400))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class AppendOnlyError(RuntimeError):
    """Someone tried to change or remove an audit record."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper: Mapper[AuditEvent], _conn: sa.Connection, _target: AuditEvent) -> None:
    raise AppendOnlyError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper: Mapper[AuditEvent], _conn: sa.Connection, _target: AuditEvent) -> None:
    raise AppendOnlyError("audit events are append-only")
