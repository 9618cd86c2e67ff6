"""Delivery-status callbacks from the SMS / WhatsApp provider.

Statuses only move forward: ``sent`` → ``delivered`` (WhatsApp's ``read`` counts as
delivered), or → ``failed`` / ``undelivered``. A callback that arrives late, twice or out of
order changes nothing it should not; an unknown message id is ignored (it may be a one-time
code, which the régua does not track). A failure after sending tells the company
(``reminder.failed``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.models import MessageStatus, PendingItem, ReminderMessage
from portal.services.regua.send import MAX_ERROR, record_outcome

_MAPPING: Final = {
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
}
_FINAL: Final = {MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED}


def apply_status(
    session: DbSession,
    provider_message_id: str,
    provider_status: str,
    *,
    error_code: str | None,
    actor: Actor,
    now: datetime,
) -> str:
    """Apply one callback; returns what happened ("updated", "ignored", "unknown")."""
    message = session.scalar(
        sa.select(ReminderMessage).where(ReminderMessage.provider_message_id == provider_message_id)
    )
    if message is None:
        return "unknown"
    status = _MAPPING.get(provider_status.lower())
    if status is None or message.status in _FINAL:
        return "ignored"
    message.status = status
    if status == MessageStatus.DELIVERED:
        message.delivered_at = now
        record_event(
            session,
            actor,
            "reminder.delivered",
            subject=("reminder_message", message.id),
            creditor_id=message.creditor_id,
            details={"debtor_id": message.debtor_id, "channel": message.channel},
        )
    else:
        message.failed_at = now
        message.error = f"provider error {error_code or 'unknown'}"[:MAX_ERROR]
        item = session.get(PendingItem, message.pending_item_id)
        assert item is not None  # noqa: S101 - a message always has its item
        record_outcome(session, message, actor, item=item)
    return "updated"
