"""Unbound extension instances; ``create_app`` binds them to the application."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask, current_app, has_app_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.models.base import Base


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
            return self.run(*args, **kwargs)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
celery = Celery("portal", task_cls=AppContextTask)
