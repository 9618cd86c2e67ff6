"""Sending one reserved reminder, and what follows: status, audit, the company's webhook.

A message reaches this module already reserved: its row (``pending``, with its unique
idempotency key) was committed before, so whatever happens here — success, refusal, crash —
it is never sent a second time. The outcome is written with its audit record in one unit of
work; the company's webhook (``reminder.sent`` / ``reminder.failed``) leaves after commit.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app

from portal.adapters.email import compose_email
from portal.adapters.email.base import EmailError
from portal.adapters.messaging.base import TextMessageError
from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.regua import Step
from portal.domain.regua_copy import Channel
from portal.models import (
    Creditor,
    CreditorDebtor,
    Debtor,
    ItemStatus,
    MessageStatus,
    PendingItem,
    ReguaStep,
    ReminderMessage,
)
from portal.services.integration import emit
from portal.services.regua.rulers import step_of
from portal.services.regua.texts import CannotRender, MessageFacts, render_reminder

log = logging.getLogger(__name__)
MAX_ERROR = 200


def payload(message: ReminderMessage, item: PendingItem, debtor: Debtor) -> dict[str, Any]:
    """What the company hears: ids, the step and its outcome; the debtor only masked."""
    return {
        "reminder": {
            "id": message.id,
            "item": item.external_reference,
            "phase": message.phase,
            "step": message.step_key,
            "channel": message.channel,
            "variant": message.variant,
            "status": message.status,
            "scheduled_date": message.scheduled_date.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            "error": message.error,
            "debtor": {"document_masked": debtor.document_masked},
        }
    }


def record_outcome(
    session: DbSession, message: ReminderMessage, actor: Actor, *, item: PendingItem
) -> None:
    """Audit the message's new status and tell the company (sent or failed)."""
    failed = message.status in {MessageStatus.FAILED, MessageStatus.UNDELIVERED}
    action = "reminder.failed" if failed else "reminder.sent"
    record_event(
        session,
        actor,
        action,
        subject=("reminder_message", message.id),
        creditor_id=message.creditor_id,
        details={
            "debtor_id": message.debtor_id,
            "step": message.step_key,
            "channel": message.channel,
            "status": message.status,
            **({"error": message.error} if message.error else {}),
        },
    )
    emit(session, message.creditor_id, action, payload(message, item, item.debtor))


def _send_email(to: str, subject: str, body: str) -> tuple[str, str, str]:
    config = current_app.config
    email = compose_email(
        sender=config["MAIL_FROM"],
        to=to,
        subject=subject,
        text=body + "\n",
        reply_to=config["MAIL_REPLY_TO"],
    )
    sender = current_app.extensions["email_sender"]
    sender.send(email)
    # SMTP has no delivery receipts: a message the relay accepted counts as delivered.
    provider = "smtp" if config["EMAIL_BACKEND"] == "smtp" else "outbox"
    return provider, str(email["Message-ID"]).strip("<>")[:64], MessageStatus.DELIVERED


def _send_text(
    channel: Channel, to_phone: str, body: str, template: str | None, params: tuple[str, ...]
) -> tuple[str, str, str]:
    provider = current_app.extensions["text_provider"]
    receipt = provider.send_message(
        channel=channel.value,
        to_phone=to_phone,
        text=body,
        template=template,
        parameters=params,
    )
    status = MessageStatus.DELIVERED if receipt.status == "delivered" else MessageStatus.SENT
    return receipt.provider, receipt.message_id, status


def send_reserved(
    session: DbSession, message: ReminderMessage, link_url: str, *, actor: Actor, now: datetime
) -> bool:
    """Render and send a reserved message; True when a provider accepted it."""
    item = session.get(PendingItem, message.pending_item_id)
    step_row = session.get(ReguaStep, message.step_id)
    creditor = session.get(Creditor, message.creditor_id)
    assert item is not None and step_row is not None and creditor is not None  # noqa: S101
    if item.status != ItemStatus.OPEN:
        # Stopped between the reservation and now (the debtor disputed the item, accepted an
        # agreement or paid): nothing leaves, and the company hears why.
        message.status = MessageStatus.FAILED
        message.failed_at = now
        message.error = f"stopped: the item is {item.status}"
        record_outcome(session, message, actor, item=item)
        return False
    debtor = item.debtor
    # The person as this item's company knows them: its name and its contact, never another
    # company's (tenant isolation).
    contact = session.get(CreditorDebtor, (creditor.id, debtor.id))
    step: Step = step_of(step_row)
    channel = step.channel
    facts = MessageFacts(
        first_name=contact.first_name if contact else "",
        creditor=creditor,
        amount_cents=item.outstanding_principal_cents,
        due_date=item.original_due_date,
        link_url=link_url,
        message_id=message.id,
    )
    try:
        rendered = render_reminder(channel, step.text_for(message.variant), facts)
        to = (contact.email if channel == Channel.EMAIL else contact.phone) if contact else None
        if not to:
            raise ValueError(f"no {channel.value} contact for this company's relationship")
        if channel == Channel.EMAIL:
            result = _send_email(to, rendered.subject or "", rendered.body)
        else:
            result = _send_text(channel, to, rendered.body, rendered.template, rendered.parameters)
    except (CannotRender, EmailError, TextMessageError, ValueError) as exc:
        message.status = MessageStatus.FAILED
        message.failed_at = now
        message.error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        log.warning("reminder %s failed: %s", message.id, type(exc).__name__)
        record_outcome(session, message, actor, item=item)
        return False
    message.provider, message.provider_message_id, message.status = result
    message.sent_at = now
    if message.status == MessageStatus.DELIVERED:
        message.delivered_at = now
    record_outcome(session, message, actor, item=item)
    return True
