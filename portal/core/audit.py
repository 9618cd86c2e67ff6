"""Writing audit records in the same unit of work as the change they describe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.bulk_copy import copy_rows, copy_supported
from portal.core.context import Actor
from portal.models.audit import AuditEvent
from portal.models.base import utcnow

_COPY_COLUMNS = (
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "creditor_id",
    "ip",
    "user_agent",
    "details",
)


def record_event(
    session: DbSession,
    actor: Actor,
    action: str,
    *,
    subject: tuple[str, object] | None = None,
    creditor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the caller's change, never alone).

    ``details`` must hold no PII beyond what the event needs: masked documents, ids and
    amounts, never tokens or full CPFs.
    """
    subject_type, subject_id = subject if subject else (None, None)
    event = AuditEvent(
        actor_type=actor.type.value,
        actor_id=actor.id,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        creditor_id=creditor_id,
        ip=actor.ip,
        user_agent=actor.user_agent,
        details=details or {},
    )
    session.add(event)
    return event


def record_events(
    session: DbSession,
    actor: Actor,
    action: str,
    events: Iterable[tuple[tuple[str, object], int | None, dict[str, Any]]],
) -> int:
    """Many audit events of one kind at once (bulk work), written in the caller's transaction
    like :func:`record_event`: COPY on PostgreSQL, one multi-row INSERT elsewhere. ``events``
    yields (subject, creditor id, details). Returns how many were written."""
    if copy_supported(session):
        now = utcnow()
        return copy_rows(
            session,
            AuditEvent.__tablename__,
            _COPY_COLUMNS,
            (
                (
                    now,
                    actor.type.value,
                    actor.id,
                    action,
                    subject_type,
                    str(subject_id),
                    creditor_id,
                    actor.ip,
                    actor.user_agent,
                    details,
                )
                for (subject_type, subject_id), creditor_id, details in events
            ),
        )
    rows = [
        {
            "actor_type": actor.type.value,
            "actor_id": actor.id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "creditor_id": creditor_id,
            "ip": actor.ip,
            "user_agent": actor.user_agent,
            "details": details,
        }
        for (subject_type, subject_id), creditor_id, details in events
    ]
    if rows:
        session.execute(sa.insert(AuditEvent), rows)
    return len(rows)
