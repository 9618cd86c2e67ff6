"""Celery tasks of the payments context (queued by name, see :mod:`portal.core.after_commit`)."""

from __future__ import annotations

from portal.adapters.payments.base import ProviderError
from portal.core.after_commit import allow_wake
from portal.core.clock import now_utc, today_br
from portal.core.uow import unit_of_work, unit_per_step
from portal.extensions import celery, db
from portal.services.documents import requeue_stale
from portal.services.payments.events import REFUND_EXCESS_TASK
from portal.services.payments.inbox import (
    APPLY_TASK,
    WAKE_KEY,
    apply_received_steps,
    received_waiting,
)
from portal.services.payments.maintenance import (
    cancel_open_charges,
    expire_attempts,
    reconcile,
    refund_excess,
)
from portal.services.payments.recurring_charges import pix_automatico_steps


@celery.task(
    name=REFUND_EXCESS_TASK,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=900,
    max_retries=10,
    acks_late=True,
)
def refund_excess_task(payment_id: int) -> int:
    """Refund what a payment brought beyond its installment's due (idempotent key)."""
    with unit_of_work(db.session):
        return refund_excess(db.session, payment_id)


@celery.task(name="portal.payments_maintenance", acks_late=True)
def payments_maintenance_task() -> dict[str, int]:
    """Expire stale attempts and reconcile with the provider (every 15 minutes).

    Three units of work: each step's result stands even if a later one fails.
    """
    with unit_of_work(db.session):
        expired = expire_attempts(db.session, now_utc())
    with unit_of_work(db.session):
        counts = reconcile(db.session, now_utc())
    with unit_of_work(db.session):
        requeued = requeue_stale(db.session, now_utc())
    return {"expired": expired, "documents_requeued": requeued, **counts}


@celery.task(
    name="portal.cancel_open_charges",
    autoretry_for=(ProviderError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
    acks_late=True,
)
def cancel_open_charges_task(agreement_id: int) -> int:
    """An agreement ended: its open Pix codes and card pages stop being payable (retried
    while the provider is unreachable; the 15-minute maintenance expires them anyway)."""
    with unit_of_work(db.session):
        return cancel_open_charges(db.session, agreement_id, now=now_utc())


@celery.task(name="portal.pix_automatico", acks_late=True)
def pix_automatico_task() -> int:
    """Pix Automático: follow authorisations, send each installment's charge in its window,
    apply what was collected, retry what failed (hourly; one commit per authorisation)."""
    steps = 0
    for _done in unit_per_step(pix_automatico_steps(db.session, today_br(), now_utc())):
        steps += 1
    return steps


@celery.task(name=APPLY_TASK, acks_late=True)
def apply_provider_events_task() -> int:
    """Apply the provider events the webhooks recorded (woken by their commits; swept every
    minute by the beat). Each batch is a unit of work; returns how many were applied."""
    applied = 0
    for _round in range(10):  # events left busy are retried a few times, then by the sweep
        for count in unit_per_step(apply_received_steps(db.session)):
            applied += count
        allow_wake(WAKE_KEY)  # an event committed after this wakes a new run
        with unit_of_work(db.session):
            if not received_waiting(db.session):
                break
    return applied
