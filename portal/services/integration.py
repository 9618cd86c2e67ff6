"""Events for the creditors' own systems, written to an outbox in the caller's transaction.

Delivery (signed webhooks, retries, dead letters) is a separate task; here we only record
what happened, with ids and amounts but never a full CPF (security.md E14).
"""

from __future__ import annotations

import secrets
from typing import Any

from portal.models import OutboxEvent
from portal.services import DbSession

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
        id=f"evt_{secrets.token_hex(12)}", creditor_id=creditor_id, type=event_type, data=data
    )
    session.add(event)
    from portal.services.after_commit import enqueue_after_commit
    from portal.tasks import dispatch_webhooks_task  # tasks import services

    enqueue_after_commit(session, dispatch_webhooks_task, event.id)
    return event


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
