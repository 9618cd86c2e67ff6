"""The webhook delivery log of one creditor for staff: filtered lists, one delivery's whole
story (payload, answers, next retry) and resending several at once.

Only deliveries to the creditor's own endpoints; the caller checks the creditor is in the
staff member's scope first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.clock import BRASILIA
from portal.core.context import Actor
from portal.models import (
    DeliveryStatus,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.services.integration import replay_delivery, webhook_payload

MAX_LIST = 200
MAX_RESEND = 100


@dataclass(frozen=True)
class DeliveryFilter:
    status: str | None = None  # a DeliveryStatus value
    event_type: str | None = None
    since: date | None = None  # Brasília days, both ends included
    until: date | None = None


@dataclass(frozen=True)
class DeliveryRow:
    delivery: WebhookDelivery
    event: OutboxEvent


def _brasilia_start(day: date) -> datetime:
    """Midnight in Brasília, in UTC."""
    return datetime.combine(day, time.min, BRASILIA).astimezone(UTC)


def deliveries(
    session: DbSession, creditor_id: int, wanted: DeliveryFilter, *, limit: int = MAX_LIST
) -> list[DeliveryRow]:
    """The creditor's deliveries matching the filter, newest first."""
    statement = (
        sa.select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.creditor_id == creditor_id)
    )
    if wanted.status:
        statement = statement.where(WebhookDelivery.status == wanted.status)
    if wanted.event_type:
        statement = statement.where(OutboxEvent.type == wanted.event_type)
    if wanted.since:
        statement = statement.where(WebhookDelivery.created_at >= _brasilia_start(wanted.since))
    if wanted.until:
        end = _brasilia_start(wanted.until + timedelta(days=1))
        statement = statement.where(WebhookDelivery.created_at < end)
    rows = session.execute(statement.order_by(WebhookDelivery.id.desc()).limit(limit))
    return [DeliveryRow(delivery, event) for delivery, event in rows]


def delivery_in_scope(
    session: DbSession, creditor_id: int, delivery_id: int
) -> WebhookDelivery | None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint.creditor_id != creditor_id:
        return None
    return delivery


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: WebhookDelivery
    event: OutboxEvent
    payload: str  # the JSON body as sent, indented for reading
    attempts: list[WebhookAttempt]


def delivery_detail(session: DbSession, delivery: WebhookDelivery) -> DeliveryDetail:
    event = session.get_one(OutboxEvent, delivery.event_id)
    body = json.loads(webhook_payload(event))
    attempts = session.scalars(
        sa.select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.id)
    ).all()
    return DeliveryDetail(
        delivery,
        event,
        json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True),
        list(attempts),
    )


def resend(
    session: DbSession, creditor_id: int, delivery_ids: list[int], *, actor: Actor, now: datetime
) -> int:
    """Send again every chosen delivery that is not already waiting (same webhook-id each);
    returns how many were queued. Ids of other creditors are ignored."""
    if not delivery_ids:
        return 0
    chosen = session.scalars(
        sa.select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookEndpoint.creditor_id == creditor_id,
            WebhookDelivery.id.in_(delivery_ids[:MAX_RESEND]),
            WebhookDelivery.status != DeliveryStatus.PENDING,
        )
        .order_by(WebhookDelivery.id)
    ).all()
    for delivery in chosen:
        replay_delivery(session, delivery, actor=actor, now=now)
    return len(chosen)
