"""The company integration: API keys, idempotent POSTs, webhook endpoints and deliveries.

A company (``Creditor``) knows a debtor once it has pushed them (``CreditorDebtor``, in
``portal.models.debtor``); the API answers 404 for any debtor, item, agreement or payment the
key's creditor does not know.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, JSONType, utcnow
from portal.models.creditor import Creditor


class ApiKey(Base):
    """A creditor's API key: only its SHA-256 is stored; the prefix identifies it in lists."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Set on the old key when it is rotated: it keeps working until then.
    expires_at: Mapped[datetime | None]

    creditor: Mapped[Creditor] = relationship()

    def usable_at(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class IdempotencyRecord(Base):
    """The first response to a POST with an ``Idempotency-Key``, kept 24 hours (E12)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("creditor_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    key: Mapped[str] = mapped_column(sa.String(255))
    request_hash: Mapped[str] = mapped_column(sa.String(64))  # method, path and body
    status_code: Mapped[int | None]  # None while the first request is still running
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    location: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class WebhookEndpoint(Base):
    """Where a creditor wants to hear about events; signed with Standard Webhooks (E13)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    # "whsec_" + base64; needed to sign, so it is kept (shown in full only at creation).
    secret: Mapped[str] = mapped_column(sa.String(80))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(80))
    previous_secret_expires_at: Mapped[datetime | None]
    event_types: Mapped[list[str]] = mapped_column(JSONType)  # empty list = every event
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None]


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"
    DEAD = "dead"  # gave up: a 4xx other than 429, or too many tries; replayable by staff


_DELIVERY_STATUSES = ", ".join(f"'{s.value}'" for s in DeliveryStatus)


class WebhookDelivery(Base):
    """One event for one endpoint; the same ``webhook-id`` on every attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.CheckConstraint(f"status IN ({_DELIVERY_STATUSES})", name="status"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("outbox_events.id"))
    status: Mapped[str] = mapped_column(sa.String(12), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()


class WebhookAttempt(Base):
    """The delivery log: one row per HTTP attempt (append-only)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.String(300))
    duration_ms: Mapped[int]
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
