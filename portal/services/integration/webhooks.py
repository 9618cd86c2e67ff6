"""Webhook endpoints of a creditor, and delivery of outbox events to them (E13-E15).

An event is written to ``outbox_events`` in the transaction that caused it; after commit a
task fans it out to one ``WebhookDelivery`` per matching endpoint and sends each. Every
attempt is logged (``webhook_attempts``). Network errors, 5xx and 429 are retried with
exponential backoff by the periodic task; any other answer, or too many tries, dead-letters
the delivery (an alert in the log) and staff can replay it. The same ``webhook-id`` (the
event id) goes with every attempt so receivers can deduplicate.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from portal.adapters.webhooks_out import signing
from portal.adapters.webhooks_out.http import SendResult, WebhookSender
from portal.adapters.webhooks_out.ssrf import UnsafeUrl, check_url
from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.errors import N_
from portal.models import (
    DeliveryStatus,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)
ROTATION_GRACE = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=6)


def check_endpoint_url(url: str) -> None:
    """Raise ``UnsafeUrl`` unless the URL may receive webhooks under current settings."""
    config = current_app.config
    resolver = current_app.extensions.get("webhook_resolver")
    kwargs: dict[str, Any] = {"resolver": resolver} if resolver else {}
    check_url(
        url,
        allow_http=config["WEBHOOKS_ALLOW_HTTP"],
        allow_private=config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"],
        **kwargs,
    )


def create_endpoint(
    session: DbSession,
    creditor_id: int,
    *,
    url: str,
    description: str,
    event_types: list[str],
    actor: Actor,
) -> tuple[WebhookEndpoint, str]:
    check_endpoint_url(url)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        creditor_id=creditor_id,
        url=url,
        description=description,
        secret=secret,
        event_types=sorted(set(event_types)),
    )
    session.add(endpoint)
    session.flush()
    _audit(session, actor, "webhook_endpoint.created", endpoint)
    return endpoint, secret


def update_endpoint(
    session: DbSession, endpoint: WebhookEndpoint, changes: dict[str, Any], *, actor: Actor
) -> WebhookEndpoint:
    if "url" in changes and changes["url"] is not None:
        check_endpoint_url(changes["url"])
        endpoint.url = changes["url"]
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("event_types") is not None:
        endpoint.event_types = sorted(set(changes["event_types"]))
    if changes.get("enabled") is not None:
        endpoint.enabled = bool(changes["enabled"])
    session.flush()
    _audit(session, actor, "webhook_endpoint.updated", endpoint, fields=sorted(changes))
    return endpoint


def delete_endpoint(
    session: DbSession, endpoint: WebhookEndpoint, *, actor: Actor, now: datetime
) -> None:
    endpoint.deleted_at = now
    endpoint.enabled = False
    session.flush()
    _audit(session, actor, "webhook_endpoint.deleted", endpoint)


def rotate_secret(
    session: DbSession, endpoint: WebhookEndpoint, *, actor: Actor, now: datetime
) -> str:
    """A new secret; the old one keeps signing alongside it for 24 hours."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_GRACE
    endpoint.secret = signing.new_secret()
    session.flush()
    _audit(session, actor, "webhook_endpoint.secret_rotated", endpoint)
    return endpoint.secret


def _audit(
    session: DbSession, actor: Actor, action: str, endpoint: WebhookEndpoint, **details: Any
) -> None:
    record_event(
        session,
        actor,
        action,
        subject=("webhook_endpoint", endpoint.id),
        creditor_id=endpoint.creditor_id,
        details={"url_host": _host(endpoint.url), **details},
    )


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


# --- Delivery ----------------------------------------------------------------------------


def fan_out(session: DbSession, event_id: str) -> list[int]:
    """One delivery per live endpoint of the event's creditor that wants its type."""
    event = session.get(OutboxEvent, event_id)
    if event is None:
        return []
    endpoints = session.scalars(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.creditor_id == event.creditor_id,
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.deleted_at.is_(None),
            WebhookEndpoint.created_at <= event.occurred_at,
        )
    )
    existing = set(
        session.scalars(
            sa.select(WebhookDelivery.endpoint_id).where(WebhookDelivery.event_id == event.id)
        )
    )
    created = []
    for endpoint in endpoints:
        if endpoint.event_types and event.type not in endpoint.event_types:
            continue
        if endpoint.id in existing:
            continue
        delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id)
        session.add(delivery)
        session.flush()
        created.append(delivery.id)
    return created


def payload(event: OutboxEvent) -> bytes:
    body = {
        "id": event.id,
        "sequence": event.sequence,
        "type": event.type,
        "timestamp": event.occurred_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 hours."""
    return min(timedelta(seconds=30 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _retryable(result: SendResult) -> bool:
    code = result.status_code
    return code is None or code >= 500 or code == 429


def deliver(
    session: DbSession, delivery_id: int, *, sender: WebhookSender, now: datetime
) -> str | None:
    """Try one delivery once; returns its new status, or None if another worker holds it."""
    delivery = session.scalar(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .with_for_update(skip_locked=True)
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None if delivery is None else delivery.status
    endpoint = delivery.endpoint
    event = session.get_one(OutboxEvent, delivery.event_id)
    config = current_app.config
    if endpoint.deleted_at is not None or not endpoint.enabled:
        return _dead(session, delivery, now, None, "endpoint disabled or deleted", 0)
    try:
        check_endpoint_url(endpoint.url)
    except UnsafeUrl as unsafe:
        # Not given up at once: DNS may answer differently later, or this process may run
        # with other settings than the server's (see docs/api.md). Retried with backoff.
        return _refused_address(session, delivery, endpoint, now, unsafe.reason)
    secrets_ = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now
    ):
        secrets_.append(endpoint.previous_secret)
    body = payload(event)
    headers = signing.headers(secrets_, event.id, int(now.timestamp()), body)
    result = sender.send(endpoint.url, headers, body, float(config["WEBHOOK_TIMEOUT_SECONDS"]))
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
            details={"response": result.response_excerpt} if result.response_excerpt else {},
        )
    )
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    if result.status_code is not None and 200 <= result.status_code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif _retryable(result) and delivery.attempts < config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    else:
        reason = "too many attempts" if _retryable(result) else "refused by the receiver"
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
        log.error(
            "webhook dead-lettered: delivery %s event %s endpoint %s (%s, status %s)",
            delivery.id,
            event.id,
            endpoint.id,
            reason,
            result.status_code,
        )
    session.flush()
    return delivery.status


UNSAFE_REASONS_PT = {
    "https_required": N_("o endereço precisa usar https"),
    "malformed_url": N_("o endereço está malformado"),
    "unresolvable_host": N_("o nome do servidor não foi encontrado (DNS)"),
    "private_address": N_(
        "o servidor aponta para uma rede privada, local ou de link-local, que as "
        "configurações deste processo não permitem (WEBHOOKS_ALLOW_PRIVATE_NETWORKS)"
    ),
}


def unsafe_url_error(reason: str) -> str:
    """The delivery log's line for a refused address, in pt-BR (staff read it), with the
    stable reason in parentheses for searches and support."""
    with force_locale("pt_BR"):
        text = gettext(UNSAFE_REASONS_PT.get(reason, N_("o endereço não pode receber avisos")))
        return str(gettext("Endereço recusado: %(why)s (%(reason)s).", why=text, reason=reason))


def _refused_address(
    session: DbSession,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    now: datetime,
    reason: str,
) -> str:
    error = unsafe_url_error(reason)
    delivery.attempts += 1
    if delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        return _dead(session, delivery, now, None, error, 0)
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=None,
            error=error,
            duration_ms=0,
        )
    )
    delivery.last_status_code = None
    delivery.last_error = error
    delivery.next_attempt_at = now + backoff(delivery.attempts)
    session.flush()
    log.warning(
        "webhook address refused (%s): delivery %s endpoint %s, retry at %s",
        reason,
        delivery.id,
        endpoint.id,
        delivery.next_attempt_at.isoformat(),
    )
    return delivery.status


def _dead(
    session: DbSession,
    delivery: WebhookDelivery,
    now: datetime,
    status_code: int | None,
    error: str,
    duration_ms: int,
) -> str:
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
    )
    delivery.status = DeliveryStatus.DEAD
    delivery.last_error = error
    delivery.next_attempt_at = None
    session.flush()
    log.error("webhook dead-lettered: delivery %s (%s)", delivery.id, error)
    return delivery.status


def due_deliveries(session: DbSession, now: datetime, limit: int = 200) -> list[int]:
    return list(
        session.scalars(
            sa.select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    )


def replay(session: DbSession, delivery: WebhookDelivery, *, actor: Actor, now: datetime) -> None:
    """Staff send a dead (or delivered) event again, with the same webhook-id."""
    previous = delivery.status
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.attempts = 0
    session.flush()
    record_event(
        session,
        actor,
        "webhook_delivery.replayed",
        subject=("webhook_delivery", delivery.id),
        creditor_id=delivery.endpoint.creditor_id,
        details={"event_id": delivery.event_id, "from": previous},
    )
