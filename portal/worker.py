"""Celery worker entry point: ``celery -A portal.worker worker --loglevel=INFO``."""

from portal import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

# The régua de cobrança: every 15 minutes (quiet hours and caps are checked per debtor).
from celery.schedules import crontab  # noqa: E402

from portal.services.regua import tasks as _regua_tasks  # noqa: E402, F401  (registers it)

celery_app.conf.beat_schedule = {
    **celery_app.conf.beat_schedule,
    "reminders-run": {"task": "portal.reminders_run", "schedule": crontab(minute="*/15")},
}
