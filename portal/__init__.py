"""The debtor portal application factory."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import database  # noqa: F401  (registers the SQLite engine events)
from portal.config import ConfigError, load_settings
from portal.core import clock
from portal.database import engine_options, ping_when_idle
from portal.extensions import babel, csrf, db, migrate
from portal.i18n import select_locale
from portal.log import configure_logging

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Settings come from the environment (and ``.env``), validated by
    :func:`portal.config.load_settings`; ``config`` overrides them (tests use it). A
    configuration problem stops the process with one line naming the variable.
    """
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=False)
    load_dotenv(ROOT / ".env", override=False)
    try:
        settings = load_settings(instance_path=Path(app.instance_path))
    except ConfigError as exc:
        raise SystemExit(f"configuration error: {exc}") from None
    app.config.update(settings)
    if config:
        app.config.update(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 31536000  # static URLs carry a content hash
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600

    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    _set_clock(app)
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_prefix=0
        )

    _init_extensions(app)
    _register_blueprints(app)
    return app


def _set_clock(app: Flask) -> None:
    """Apply ``CLOCK_OFFSET_DAYS`` (development and tests only; refused in production, also
    when it comes from ``config`` overrides rather than the environment)."""
    days = int(app.config.get("CLOCK_OFFSET_DAYS") or 0)
    if days and app.config["PORTAL_ENV"] == "production":
        raise SystemExit("configuration error: CLOCK_OFFSET_DAYS is for development only")
    clock.set_offset(timedelta(days=days))
    if days:
        app.logger.warning("the clock is shifted by %s days (CLOCK_OFFSET_DAYS)", days)


def _init_extensions(app: Flask) -> None:
    from portal.adapters.email import init_email
    from portal.adapters.messaging import init_messaging
    from portal.adapters.payments import init_payments
    from portal.adapters.pdf import init_pdf
    from portal.auth.limits import init_limiter
    from portal.auth.session import init_sessions
    from portal.errors import init_errors
    from portal.http import init_http
    from portal.input_guard import init_input_guard
    from portal.templating import init_templating
    from portal.worker import init_celery

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql" and not app.config[
            "SQLALCHEMY_ENGINE_OPTIONS"
        ].get("pool_pre_ping"):
            ping_when_idle(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_celery(app)
    init_http(app)
    init_input_guard(app)
    init_sessions(app)
    init_limiter(app)
    init_templating(app)
    init_errors(app)
    init_email(app)
    init_messaging(app)
    init_pdf(app)
    init_payments(app)
    from portal.adapters.webhooks_out.http import RequestsSender

    app.extensions.setdefault("webhook_sender", RequestsSender())

    from portal.cli import register_cli

    register_cli(app)


def _register_blueprints(app: Flask) -> None:
    from portal.debtor import bp as debtor_bp
    from portal.public import bp as public_bp
    from portal.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(debtor_bp)
    app.register_blueprint(staff_bp)
    from portal.callbacks import bp as callbacks_bp

    app.register_blueprint(callbacks_bp)
    from portal.api import bp as api_bp

    csrf.exempt(api_bp)  # API keys, no cookies (requirements.md E1)
    app.register_blueprint(api_bp)
    from portal.learn import bp as learn_bp

    app.register_blueprint(learn_bp)
    if app.config["PAYMENT_PROVIDER"] == "sandbox" and app.config["PORTAL_ENV"] != "production":
        from portal.demo.sandbox import bp as sandbox_bp
        from portal.demo.sandbox.boleto import bp as sandbox_boleto_bp

        app.register_blueprint(sandbox_bp)
        app.register_blueprint(sandbox_boleto_bp)
    if app.config["PORTAL_ENV"] != "production" and app.config["EMAIL_BACKEND"] == "outbox":
        from portal.demo.dev import bp as dev_bp

        app.register_blueprint(dev_bp)
