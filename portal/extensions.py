"""Unbound extension instances; ``create_app`` binds them to the application."""

from __future__ import annotations

import re
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app, has_app_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.models.base import Base

_OUTBOX_ID = re.compile(r"[0-9a-f]{32}")
DONE_TTL_SECONDS = 7 * 24 * 3600


class AppContextTask(Task):  # type: ignore[misc]
    """Runs each task inside a fresh application context, hence with its own DB session.

    Even when a task runs eagerly (embedded default) right after a request commits, it gets
    a session of its own and commits its own unit of work.
    """

    flask_app: Flask | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        app = (
            current_app._get_current_object()  # type: ignore[attr-defined]
            if has_app_context()
            else self.flask_app
        )
        if app is None:
            raise RuntimeError("Celery is not bound to a Flask application")
        with app.app_context():
            done_key = self._done_key(app)
            if done_key is not None and self._redis(app).exists(done_key):
                return None  # published twice (see PendingTask): it ran already
            result = self.run(*args, **kwargs)
            if done_key is not None:
                self._redis(app).set(done_key, 1, ex=DONE_TTL_SECONDS)
            return result

    def _done_key(self, app: Flask) -> str | None:
        """Tasks handed over from a ``PendingTask`` row carry its id (32 hex digits)."""
        task_id = getattr(self.request, "id", None)
        if self.app.conf.task_always_eager or not task_id or not _OUTBOX_ID.fullmatch(task_id):
            return None
        return f"portal-task-done:{task_id}"

    @staticmethod
    def _redis(app: Flask) -> Any:
        client = app.extensions.get("portal_task_redis")
        if client is None:
            import redis

            client = redis.Redis.from_url(app.config["CELERY_BROKER_URL"])
            app.extensions["portal_task_redis"] = client
        return client


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
celery = Celery("portal", task_cls=AppContextTask)
