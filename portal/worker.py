"""Celery worker entry point: ``celery -A portal.worker worker --loglevel=INFO``."""

from portal import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
