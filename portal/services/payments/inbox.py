"""Provider events as an inbox: recorded at once by the webhook, applied exactly once after.

* :func:`receive_event` stores a verified event under its UNIQUE (provider, event id) with one
  ``INSERT … ON CONFLICT DO NOTHING`` (``outcome = 'received'``, and ``report``: what applying
  needs, ids, status and amounts, nothing personal); a redelivery inserts nothing. The webhook
  answers 200 only once that is committed: before, an error answers 5xx and the provider
  delivers again, so nothing acknowledged is ever lost.
* :func:`apply_received` applies one recorded event, its row locked, with the same state
  machine as :func:`~portal.services.payments.events.process_event`: the outcome is written in
  the same transaction as the change and its audit record, and side effects leave after it.
* :func:`apply_received_steps` is the worker's drain: batches of received events taken ``FOR UPDATE
  SKIP LOCKED`` (two workers never take the same one), each event in a savepoint; an event
  whose payment is busy (or that fails) stays received for a later pass, the others go on.

With a broker, the webhook's commit wakes the worker (``portal.apply_provider_events``, at
most one wake-up in flight: :func:`~portal.core.after_commit.wake_after_commit`) and a beat
entry sweeps every minute; without one (the embedded default, tests) the webhook applies the
event itself right after recording it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal.adapters.payments.base import ProviderEvent, ProviderPayment
from portal.core import DbSession
from portal.core.after_commit import savepoint, wake_after_commit
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.domain.payments import PaymentStatus
from portal.models import ActorType, ProviderEventRecord
from portal.services.payments.events import Outcome, apply_recorded
from portal.services.payments.provider import RetryLater

log = logging.getLogger(__name__)

RECEIVED = "received"
APPLY_TASK = "portal.apply_provider_events"
WAKE_KEY = "portal-provider-events-wake"
BATCH = 50


def applies_inline() -> bool:
    """Whether the webhook applies the event itself (no worker: no broker configured)."""
    return bool(current_app.config.get("PROVIDER_EVENTS_INLINE", True))


def _report(payment: ProviderPayment, ip: str | None) -> dict[str, Any]:
    return {
        "provider_ref": payment.provider_ref,
        "status": payment.status.value,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "amount_received_cents": payment.amount_received_cents,
        "payment_intent_id": payment.payment_intent_id,
        "refunded_cents": payment.refunded_cents,
        "charges_cents": payment.charges_cents,
        "ip": ip,
    }


def _reported(report: dict[str, Any]) -> ProviderPayment:
    return ProviderPayment(
        provider_ref=report["provider_ref"],
        status=PaymentStatus(report["status"]),
        amount_cents=report["amount_cents"],
        currency=report["currency"],
        amount_received_cents=report["amount_received_cents"],
        payment_intent_id=report["payment_intent_id"],
        refunded_cents=report["refunded_cents"],
        charges_cents=report["charges_cents"],
    )


@functools.cache
def _record_once(dialect: str) -> Any:
    """``INSERT … ON CONFLICT (provider, event_id) DO NOTHING RETURNING id``, built once: the
    values come as parameters (building the statement per request cost more than running it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(ProviderEventRecord)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(ProviderEventRecord.id)
    )


def receive_event(
    session: DbSession, provider_name: str, event: ProviderEvent, *, ip: str | None, now: datetime
) -> bool:
    """Record a verified event once; ``True`` if it is new (``False``: a redelivery).

    One statement. A new event that concerns a payment is left ``received`` and, when a
    worker applies events, wakes it after the commit; any other is recorded as ignored.
    """
    payment = event.payment
    values = {
        "provider": provider_name,
        "event_id": event.event_id,
        "type": event.type,
        "received_at": now,
        "outcome": RECEIVED if payment else "ignored_type",
        # Only what identifies the event: provider objects can carry the payer's details.
        "payload": {
            "object_id": payment.provider_ref if payment else None,
            "status": payment.status.value if payment else None,
        },
        "report": _report(payment, ip) if payment else None,
    }
    statement = _record_once(session.get_bind().dialect.name)
    new = session.execute(statement, values).scalar_one_or_none() is not None
    if new and payment is not None and not applies_inline():
        wake_after_commit(session, APPLY_TASK, WAKE_KEY)
    return new


def _actor(record: ProviderEventRecord) -> Actor:
    return Actor(ActorType.PROVIDER, record.provider, ip=(record.report or {}).get("ip"))


def apply_record(session: DbSession, record: ProviderEventRecord, *, now: datetime) -> Outcome:
    """Apply a received event whose row the caller holds locked."""
    assert record.report is not None  # noqa: S101 - received events carry their report
    outcome = apply_recorded(session, record, _reported(record.report), _actor(record), now)
    record.applied_at = now
    return outcome


def apply_received(
    session: DbSession, provider_name: str, event_id: str, *, now: datetime
) -> Outcome:
    """Apply one recorded event if it is still received (its row locked: a concurrent
    delivery of the same event waits, then finds it applied); else ``duplicate_event``.

    Raises ``RetryLater`` when its payment is busy; the caller rolls back and answers 5xx.
    """
    record = session.scalar(
        sa.select(ProviderEventRecord)
        .where(
            ProviderEventRecord.provider == provider_name,
            ProviderEventRecord.event_id == event_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if record is None or record.outcome != RECEIVED:
        return Outcome("duplicate_event")
    return apply_record(session, record, now=now)


def apply_received_steps(
    session: DbSession, *, batch: int = BATCH, clock: Callable[[], datetime] = now_utc
) -> Iterator[int]:
    """Apply received events, oldest first, a batch per step; yields how many were applied.

    Stepwise (the caller commits each step: :func:`~portal.core.uow.unit_per_step`). An event
    that cannot be applied now (its payment busy, or an error, logged) is left received and not
    taken again in this drain; the drain ends when nothing is left to take.
    """
    left: set[int] = set()
    while True:
        statement = (
            sa.select(ProviderEventRecord)
            .where(ProviderEventRecord.outcome == RECEIVED)
            .order_by(ProviderEventRecord.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if left:
            statement = statement.where(ProviderEventRecord.id.not_in(left))
        records = session.scalars(statement).all()
        if not records:
            return
        applied = 0
        for record in records:
            try:
                with savepoint(session):  # its e-mails and tasks are dropped with it
                    apply_record(session, record, now=clock())
                applied += 1
            except Exception as exc:  # the savepoint is rolled back: the event stays received
                left.add(record.id)
                busy = isinstance(exc, RetryLater)
                (log.info if busy else log.exception)(
                    "provider event %s not applied now (%s); left for a later pass",
                    record.event_id,
                    "payment busy" if busy else type(exc).__name__,
                )
        yield applied


def received_waiting(session: DbSession) -> int:
    """How many events are recorded and not applied yet."""
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(ProviderEventRecord)
            .where(ProviderEventRecord.outcome == RECEIVED)
        )
        or 0
    )
