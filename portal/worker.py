"""Celery wiring: the configuration, the beat schedule and the registration of every
context's tasks. Nothing else lives here.

Worker and beat: ``celery -A wsgi:celery_app worker`` and ``celery -A wsgi:celery_app beat``
(``wsgi.py`` builds the application). The CLI ``flask --app portal jobs …`` does the same
periodic work by hand.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab
from flask import Flask

# Importing a context's tasks module registers its tasks under their names; services queue
# them by name (portal.core.after_commit), so no service imports these modules.
from portal.core import tasks as core_tasks
from portal.extensions import AppContextTask, celery
from portal.services.access import tasks as access_tasks
from portal.services.documents import tasks as documents_tasks
from portal.services.integration import tasks as integration_tasks
from portal.services.negotiation import tasks as negotiation_tasks
from portal.services.notify import tasks as notify_tasks
from portal.services.payments import tasks as payments_tasks
from portal.services.regua import tasks as regua_tasks

TASK_MODULES = (
    core_tasks,
    access_tasks,
    documents_tasks,
    integration_tasks,
    negotiation_tasks,
    notify_tasks,
    payments_tasks,
    regua_tasks,
)

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
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
    "pix-automatico": {
        "task": "portal.pix_automatico",
        "schedule": crontab(minute=35),  # hourly; charges 2-10 days ahead, idempotent
    },
    "reminders-run": {
        "task": "portal.reminders_run",
        "schedule": crontab(minute="*/15"),  # the régua; quiet hours and caps per debtor
    },
    "stranded-tasks": {
        "task": "portal.publish_stranded_tasks",
        "schedule": 20.0,  # seconds: a task a dead process left behind goes out soon
    },
    "provider-events-sweep": {
        "task": "portal.apply_provider_events",
        "schedule": 60.0,  # seconds: events a lost wake-up or a busy payment left received
    },
    "bulk-exports-purge": {
        "task": "portal.purge_bulk_exports",
        "schedule": crontab(minute=20),  # hourly: erase sealed links past their window
    },
}


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
        beat_schedule=BEAT_SCHEDULE,
    )

    AppContextTask.flask_app = app
    celery.set_default()
    app.extensions["celery"] = celery


@celery.task(name="portal.ping")
def ping() -> str:
    """A no-op task used by health checks and tests of the wiring."""
    return "pong"
