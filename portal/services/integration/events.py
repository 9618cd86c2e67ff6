"""Events for the creditors' own systems, written to an outbox in the caller's transaction.

Delivery (signed webhooks, retries, dead letters) is a separate task; here we only record
what happened, with ids and amounts but never a full CPF (requirements.md E14).

Each event gets the creditor's next **sequence** number in the same transaction: deliveries
may arrive in any order (retries, several workers), so receivers order by it. A cause is
emitted before its consequence (``payment.succeeded`` before the ``agreement.completed`` it
brings about), so the sequence is causal.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from portal.core import DbSession
from portal.core.after_commit import enqueue_after_commit
from portal.models import EventSequence, OutboxEvent

DISPATCH_TASK = "portal.webhooks_dispatch"
DUE_TASK = "portal.webhooks_due"
EVENT_TYPES = frozenset(
    {
        "agreement.accepted",
        "agreement.completed",
        "agreement.broken",
        "agreement.lapsed",
        "agreement.cancelled",
        "payment.succeeded",
        "payment.refunded",
        "item.disputed",
        "data_request.created",
        "data_request.completed",
        "item.dispute_resolved",
        "item.bureau_removed",
        "reminder.sent",
        "reminder.failed",
    }
)


def emit(
    session: DbSession, creditor_id: int, event_type: str, data: dict[str, Any]
) -> OutboxEvent:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown integration event type {event_type!r}")
    event = OutboxEvent(
        id=f"evt_{secrets.token_hex(12)}",
        creditor_id=creditor_id,
        type=event_type,
        data=data,
        sequence=next_sequence(session, creditor_id),
    )
    session.add(event)
    enqueue_after_commit(session, DISPATCH_TASK, event.id)
    return event


def next_sequence(session: DbSession, creditor_id: int) -> int:
    """The creditor's next event number: one atomic upsert, whose row lock (PostgreSQL) or
    write lock (SQLite) orders concurrent transactions of the same creditor until they end."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(EventSequence)
        .values(creditor_id=creditor_id, last_value=1)
        .on_conflict_do_update(
            index_elements=[EventSequence.creditor_id],
            set_={"last_value": EventSequence.last_value + 1},
        )
        .returning(EventSequence.last_value)
    )
    return int(session.execute(statement).scalar_one())


def agreement_payload(agreement: Any) -> dict[str, Any]:
    """What a company needs to know about an agreement; the debtor only by masked document."""
    return {
        "agreement": {
            "id": agreement.id,
            "state": agreement.state,
            "total_cents": agreement.total_cents,
            "down_payment_cents": agreement.down_payment_cents,
            "payment_count": agreement.payment_count,
            "created_at": agreement.created_at.isoformat(),
            "items": sorted(link.pending_item.external_reference for link in agreement.items),
            "debtor": {"document_masked": agreement.debtor.document_masked},
        }
    }
