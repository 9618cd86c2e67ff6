"""Celery wiring and tasks. Task bodies stay thin: they open a unit of work and call services.

Embedded default: no broker configured, tasks run eagerly in the calling process, right
after the commit that queued them. Production: ``CELERY_BROKER_URL`` (Redis) and workers
started with ``celery -A portal.worker worker``.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError

from portal.adapters.email.base import EmailDeliveryError
from portal.adapters.messaging.base import TextDeliveryError
from portal.extensions import AppContextTask, celery, db
from portal.services import documents
from portal.services.mail import deliver_email, deliver_text_message


def init_celery(app: Flask) -> None:
    broker = app.config["CELERY_BROKER_URL"]
    eager = broker is None
    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=app.config["CELERY_RESULT_BACKEND"],
        task_always_eager=eager,
        task_eager_propagates=app.config.get("TESTING", False),
        task_ignore_result=True,
        task_acks_late=True,  # a worker crash re-delivers the task; tasks are idempotent
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        # `celery -A portal.worker beat` runs these; the CLI `flask --app portal jobs …`
        # does the same work by hand.
        beat_schedule={
            "agreements-run-due": {
                "task": "portal.run_due_transitions",
                "schedule": crontab(minute=5),  # hourly; idempotent
            },
            "webhooks-due": {
                "task": "portal.webhooks_due",
                "schedule": crontab(),  # every minute: retries after backoff (E14)
            },
            "payments-maintenance": {
                "task": "portal.payments_maintenance",
                "schedule": crontab(minute="*/15"),  # expiry and reconciliation (C7)
            },
            "stranded-tasks": {
                "task": "portal.publish_stranded_tasks",
                "schedule": 20.0,  # seconds: a task a dead process left behind goes out soon
            },
            "bulk-exports-purge": {
                "task": "portal.purge_bulk_exports",
                "schedule": crontab(minute=20),  # hourly: erase sealed links past their window
            },
        },
    )

    AppContextTask.flask_app = app
    celery.set_default()
    app.extensions["celery"] = celery


@celery.task(name="portal.run_due_transitions", acks_late=True)
def run_due_transitions_task() -> dict[str, int]:
    """Lapse or break agreements whose schedule says so (hourly, idempotent)."""
    from portal.services.clock import today_br
    from portal.services.jobs import run_due_transitions

    return run_due_transitions(today_br())


@celery.task(name="portal.publish_stranded_tasks", acks_late=True)
def publish_stranded_tasks_task() -> int:
    """Hand to the broker the tasks a process committed but died before sending (beat)."""
    from datetime import timedelta

    from portal.services.after_commit import publish_stranded
    from portal.services.clock import now_utc

    sent = publish_stranded(db.session, now_utc(), older_than=timedelta(seconds=15))
    db.session.commit()
    return sent


@celery.task(name="portal.ping")
def ping() -> str:
    """A no-op task used by health checks and tests of the wiring."""
    return "pong"


# --- E-mail and text messages (portal.services.mail queues these after commit) -----------


@celery.task(
    name="portal.send_email",
    autoretry_for=(EmailDeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def send_email(to: str, template: str, context: dict[str, Any], locale: str = "pt_BR") -> None:
    """Render and send one e-mail; transient failures retry, rejections are logged."""
    deliver_email(to, template, context, locale)


@celery.task(
    name="portal.send_text_message",
    autoretry_for=(TextDeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def send_text_message(channel: str, to_phone: str, text: str) -> None:
    """Send one SMS / WhatsApp message; transient failures retry."""
    deliver_text_message(channel, to_phone, text)


# --- PDF documents (portal.services.documents queues this after commit) -------------------


@celery.task(
    name="portal.render_document",
    # OperationalError: the database was busy or briefly away; the attempt left nothing.
    autoretry_for=(documents.RenderFailed, OperationalError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=documents.MAX_ATTEMPTS - 1,
    acks_late=True,
)
def render_document(document_id: int) -> None:
    """Render one document and store it; a failed attempt is kept, then retried or given up."""
    try:
        documents.render_document(db.session, document_id, release=db.session.rollback)
    except documents.RenderFailed as failure:
        db.session.commit()  # the attempt counts even though the rendering failed
        if not failure.final:
            raise
        return
    db.session.commit()


# --- Payments ---------------------------------------------------------------------------


@celery.task(
    name="portal.refund_excess",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=900,
    max_retries=10,
    acks_late=True,
)
def refund_excess_task(payment_id: int) -> int:
    """Refund what a payment brought beyond its installment's due (idempotent key)."""
    from portal.services.payments import refund_excess

    refunded = refund_excess(db.session, payment_id)
    db.session.commit()
    return refunded


@celery.task(name="portal.payments_maintenance", acks_late=True)
def payments_maintenance_task() -> dict[str, int]:
    """Expire stale attempts and reconcile with the provider (every 15 minutes)."""
    from portal.services.clock import now_utc
    from portal.services.payments import expire_attempts, reconcile

    expired = expire_attempts(db.session, now_utc())
    db.session.commit()
    counts = reconcile(db.session, now_utc())
    db.session.commit()
    requeued = documents.requeue_stale(db.session, now_utc())
    db.session.commit()
    return {"expired": expired, "documents_requeued": requeued, **counts}


# --- Outgoing webhooks (portal.services.integration queues dispatch after commit) ---------


@celery.task(name="portal.webhooks_dispatch", acks_late=True)
def dispatch_webhooks_task(event_id: str) -> int:
    """Fan an outbox event out to the creditor's endpoints and try each delivery once."""
    from portal.services import webhooks
    from portal.services.clock import now_utc

    delivery_ids = webhooks.fan_out(db.session, event_id)
    db.session.commit()
    for delivery_id in delivery_ids:
        webhooks.deliver(
            db.session, delivery_id, sender=current_app.extensions["webhook_sender"], now=now_utc()
        )
        db.session.commit()
    return len(delivery_ids)


@celery.task(name="portal.webhooks_due", acks_late=True)
def deliver_due_webhooks_task() -> int:
    """Retry deliveries whose backoff has passed (every minute; idempotent)."""
    from portal.services import webhooks
    from portal.services.clock import now_utc

    count = 0
    for delivery_id in webhooks.due_deliveries(db.session, now_utc()):
        webhooks.deliver(
            db.session, delivery_id, sender=current_app.extensions["webhook_sender"], now=now_utc()
        )
        db.session.commit()
        count += 1
    return count


# --- Bulk access links for a segment (portal.services.bulk_links queues this) ------------


@celery.task(name="portal.bulk_issue_links", acks_late=True)
def bulk_issue_links_task(job_id: int) -> None:
    """Issue a bulk job's links batch by batch, committing each so progress shows.

    Gets only the job id: links are secrets and never travel through the broker or logs.
    """

    from portal.services.bulk_links import issue_batch
    from portal.services.clock import now_utc

    max_days = current_app.config["ACCESS_LINK_MAX_DAYS"]
    while issue_batch(db.session, job_id, max_days=max_days, now=now_utc()):
        db.session.commit()
    db.session.commit()


@celery.task(name="portal.purge_bulk_exports", acks_late=True)
def purge_bulk_exports_task() -> int:
    """Erase sealed links whose export window has closed (hourly; idempotent)."""
    from portal.services.bulk_links import purge_expired_exports
    from portal.services.clock import now_utc

    erased = purge_expired_exports(db.session, now_utc())
    db.session.commit()
    return erased


# --- CSV imports (portal.services.csv_import; queued after the upload's commit) ---------


@celery.task(name="portal.import_items", acks_late=True)
def import_items_task(job_id: int) -> None:
    """Run one CSV import, committing after every batch; a crash marks the job failed."""
    from portal.services.csv_import import abandon_import, run_import

    try:
        run_import(db.session, job_id, commit=db.session.commit)
    except Exception:
        db.session.rollback()
        abandon_import(db.session, job_id)
        db.session.commit()
        raise
