"""AuditEvent is append-only, in the ORM and in the database itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from portal.core.audit import record_event
from portal.core.context import Actor
from portal.extensions import db
from portal.models import ActorType, AppendOnlyError, AuditEvent


def _event() -> AuditEvent:
    actor = Actor(ActorType.STAFF, "7", ip="203.0.113.9", user_agent="Mozilla/5.0 " + "x" * 500)
    event = record_event(
        db.session, actor, "link.issued", subject=("debtor", 12), details={"channel": "sms"}
    )
    db.session.flush()
    return event


def test_record_event_stores_who_what_where() -> None:
    event = _event()
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event.id)
    assert stored is not None
    assert (stored.actor_type, stored.actor_id, stored.action) == ("staff", "7", "link.issued")
    assert (stored.subject_type, stored.subject_id) == ("debtor", "12")
    assert stored.ip == "203.0.113.9"
    assert stored.user_agent is not None and len(stored.user_agent) == 400
    assert stored.details == {"channel": "sms"}
    assert stored.occurred_at.tzinfo is not None


def test_orm_refuses_update() -> None:
    event = _event()
    event.action = "link.revoked"
    with pytest.raises(AppendOnlyError):
        db.session.flush()


def test_orm_refuses_delete() -> None:
    event = _event()
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()


@pytest.mark.parametrize(
    "statement",
    [
        lambda eid: (
            sa.update(AuditEvent.__table__)
            .where(AuditEvent.__table__.c.id == eid)
            .values(action="tampered")
        ),
        lambda eid: sa.delete(AuditEvent.__table__).where(AuditEvent.__table__.c.id == eid),
    ],
    ids=["update", "delete"],
)
def test_database_refuses_changes(statement) -> None:  # type: ignore[no-untyped-def]
    event = _event()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(statement(event.id))
