"""The régua de cobrança: versioned rulers per company, the messages sent, and opt-outs.

* ``ReguaVersion`` / ``ReguaStep``: a company's ruler, immutable once published (like the
  negotiation policy): a change is a new version, and each message records the version and
  step it was sent under.
* ``ReminderMessage``: one message, sent at most once. ``idempotency_key`` (item, step, the
  step's scheduled date) is unique, so a rerun or a second job cannot send it again; and
  ``(debtor_id, local_date, day_slot)`` is unique, so two jobs racing for the same debtor
  cannot both pass the daily cap. Rows are reserved (``pending``) and committed *before* the
  provider is called: a crash in between leaves a pending row and nothing is sent twice.
* ``ReminderOptOut``: a debtor's "no more messages on this channel", for every company or,
  from the debtor's privacy page, for one company (``scope_creditor_id``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from portal.models.base import Base, JSONType, utcnow

PHASES = ("pre_due", "first_notice", "intensification", "negotiation", "final_notice")
CHANNELS = ("email", "sms", "whatsapp")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ReguaVersion(Base):
    __tablename__ = "regua_versions"
    __table_args__ = (
        sa.UniqueConstraint("creditor_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    version: Mapped[int]
    enabled: Mapped[bool] = mapped_column(default=True)
    # {"weekdays": ["08:00", "20:00"], "saturday": ["08:00", "14:00"] or null}
    window: Mapped[dict[str, Any]] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_type: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[str | None] = mapped_column(sa.String(64))

    steps: Mapped[list[ReguaStep]] = relationship(
        order_by="ReguaStep.position", back_populates="version", lazy="selectin"
    )


class ReguaStep(Base):
    __tablename__ = "regua_steps"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "position"),
        sa.CheckConstraint(f"phase IN ({_in(PHASES)})", name="phase"),
        sa.CheckConstraint(f"channel IN ({_in(CHANNELS)})", name="channel"),
        sa.CheckConstraint("offset_days BETWEEN -30 AND 365", name="offset_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("regua_versions.id"), index=True)
    position: Mapped[int]
    phase: Mapped[str] = mapped_column(sa.String(16))
    offset_days: Mapped[int]
    channel: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    provider_template: Mapped[str | None] = mapped_column(sa.String(120))
    # The optional B variant (A/B test): half the debtors get it.
    subject_b: Mapped[str | None] = mapped_column(sa.String(200))
    body_b: Mapped[str | None] = mapped_column(sa.Text)
    provider_template_b: Mapped[str | None] = mapped_column(sa.String(120))

    version: Mapped[ReguaVersion] = relationship(back_populates="steps")


class ImmutableReguaError(RuntimeError):
    """A published régua version (or one of its steps) cannot be changed or removed."""


def _refuse(_m: Mapper[Any], _c: sa.Connection, _t: object) -> None:
    raise ImmutableReguaError("régua versions are immutable; publish a new version")


for _model in (ReguaVersion, ReguaStep):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


class MessageStatus(StrEnum):
    PENDING = "pending"  # reserved; the provider has not (yet) accepted it
    SENT = "sent"  # accepted by the provider (e-mail: by the SMTP relay)
    DELIVERED = "delivered"  # the provider reported delivery (or reading, on WhatsApp)
    FAILED = "failed"  # refused by the provider, or could not be built
    UNDELIVERED = "undelivered"  # accepted, then reported undeliverable


_STATUSES = _in(tuple(s.value for s in MessageStatus))


class ReminderMessage(Base):
    __tablename__ = "reminder_messages"
    __table_args__ = (
        sa.UniqueConstraint("debtor_id", "local_date", "day_slot"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        sa.CheckConstraint(f"channel IN ({_in(CHANNELS)})", name="channel"),
        sa.CheckConstraint("variant IN ('A', 'B')", name="variant"),
        sa.CheckConstraint("day_slot >= 1", name="day_slot"),
        sa.Index("ix_reminder_messages_creditor_created", "creditor_id", "created_at"),
        sa.Index("ix_reminder_messages_item", "pending_item_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    creditor_id: Mapped[int] = mapped_column(sa.ForeignKey("creditors.id"))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    pending_item_id: Mapped[int] = mapped_column(sa.ForeignKey("pending_items.id"))
    regua_version_id: Mapped[int] = mapped_column(sa.ForeignKey("regua_versions.id"))
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("regua_steps.id"))
    step_key: Mapped[str] = mapped_column(sa.String(48))
    phase: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[str] = mapped_column(sa.String(8))
    variant: Mapped[str] = mapped_column(sa.String(1))
    scheduled_date: Mapped[date]
    local_date: Mapped[date]  # the debtor's local day it was sent on (caps)
    day_slot: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(12), default=MessageStatus.PENDING.value)
    provider: Mapped[str | None] = mapped_column(sa.String(16))
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    access_link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("access_links.id"))
    error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


class OptOutSource(StrEnum):
    MESSAGE = "message"  # a reply (SAIR) or the link in an e-mail
    LGPD = "lgpd"  # the debtor's own privacy page
    API = "api"  # the company's system, on the debtor's behalf
    STAFF = "staff"  # support, on the debtor's request


class ReminderOptOut(Base):
    """One channel switched off: for every company (``scope_creditor_id`` NULL: a SAIR reply,
    the e-mail link, the API, support) or for one company only (the debtor's "Meus dados").

    ``creditor_id`` says which company's message or system it came from (attribution);
    ``scope_creditor_id`` which company's messages it stops. At most one row per debtor,
    channel and scope (two indexes, since NULLs are distinct in a unique constraint)."""

    __tablename__ = "reminder_opt_outs"
    __table_args__ = (
        sa.UniqueConstraint("debtor_id", "channel", "scope_creditor_id"),
        sa.Index(
            "uq_reminder_opt_outs_everywhere",
            "debtor_id",
            "channel",
            unique=True,
            sqlite_where=sa.text("scope_creditor_id IS NULL"),
            postgresql_where=sa.text("scope_creditor_id IS NULL"),
        ),
        sa.CheckConstraint(f"channel IN ({_in(CHANNELS)})", name="channel"),
        sa.CheckConstraint(
            f"source IN ({_in(tuple(s.value for s in OptOutSource))})", name="source"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    channel: Mapped[str] = mapped_column(sa.String(8))
    source: Mapped[str] = mapped_column(sa.String(8))
    creditor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("creditors.id"))
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reminder_messages.id"))
    scope_creditor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("creditors.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
