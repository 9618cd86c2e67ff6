"""Shared fixtures.

The database schema is built once per session by the Alembic migrations (never by
``create_all``), on SQLite by default or on PostgreSQL when ``TEST_DATABASE_URL`` is set
(the database named there is dropped and created afresh). Each test runs inside an outer
transaction that is rolled back; the code under test commits savepoints.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app
from portal.config import normalise_database_url
from portal.core.after_commit import wait_for_background_tasks
from portal.database import DEFERRED_BEGIN
from portal.extensions import db

pytest_plugins = ["tests.smtp_server", "tests.log_scan", "tests.concurrency"]

DOMAIN_TESTS = Path(__file__).resolve().parent / "domain"
E2E_TESTS = Path(__file__).resolve().parent / "e2e"
TEST_SECRET = "test-secret-key-that-is-long-enough-for-the-validation"


def _fresh_postgres(url: str) -> str:
    import psycopg

    parsed = make_url(normalise_database_url(url))
    name = parsed.database or "portal_test"
    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.render_as_string(hide_password=False)


def _database_uri(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return _fresh_postgres(url)
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def _compile_catalogues() -> None:
    """Compile the .po files (``make install`` does it too) so English pages can be tested."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "portal/translations").glob(
        "*/LC_MESSAGES/messages.po"
    ):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


class ClosingClient(FlaskClient):
    """Reads and closes every response, then waits for the background tasks it queued.

    In the embedded default a request's e-mails are sent on a background thread; tests
    see them sent, as a person would a moment later, and never race with them.

    pytest-flask's ``client`` fixture enters the client (``with app.test_client()``). In
    Flask, entering keeps each request's contexts pushed after it returns, so the test code
    that follows would run in that request's context, with its ``g`` and its database
    session (see :func:`_scope`), which production never does. Entering changes nothing
    here; a test that wants a request's context pushes one itself.
    """

    def __enter__(self) -> ClosingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        wait_for_background_tasks()
        return response


PRODUCTION_OVERRIDES: dict[str, object] = {
    "PORTAL_ENV": "production",
    "SESSION_COOKIE_SECURE": True,
    "EMAIL_BACKEND": "smtp",
    "SMTP_HOST": "127.0.0.1",
    "TEXT_MESSAGE_BACKEND": "none",
    "PAYMENT_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY": "sk_test_production_like",
    "STRIPE_WEBHOOK_SECRETS": ("whsec_test_production_like",),
}
"""Config overrides that make a test app behave as in production (no dev-only parts)."""


def make_test_app(database_uri: str, **overrides: object) -> Flask:
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "BASE_URL": "https://portal.test.example",
        "SERVER_NAME": None,
        # Never the repository's instance/outbox: each test app gets its own.
        "DEV_OUTBOX_DIR": tempfile.mkdtemp(prefix="portal-outbox-"),
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = ClosingClient
    return application


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_uri(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app(database_uri: str) -> Iterator[Flask]:
    _compile_catalogues()
    application = make_test_app(database_uri)
    from portal.auth.limits import limiter

    application.extensions["portal_limiter_state"] = (limiter._storage, limiter._limiter)
    with application.app_context():
        flask_migrate.upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(database_uri: str) -> bool:
    return database_uri.startswith("postgresql")


def _scope() -> object:
    """One session per application context (as in production), plus one for test code.

    Test code runs outside any application context on purpose: a context left pushed
    would be reused by every test-client request (Flask reuses an active context of the
    same app), sharing ``g`` and the session between requests, which production never
    does. Tests that need a context push one explicitly.
    """
    return _app_ctx_id() if has_app_context() else "test-body"


# pytest-flask builds on the ``app`` fixture above: its ``client`` (an instance of the app's
# ``test_client_class``, :class:`ClosingClient`), ``config``, ``client_class`` and the
# ``options`` marker (per-test settings, restored afterwards) are used as they come.


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replaces pytest-flask's fixture of this name, the one part of it we do not use.

    pytest-flask pushes a request context for the whole test. Flask reuses a pushed
    application context for every test-client request of the same app, so all the
    requests of a test would share one ``g`` and one database session with each other and
    with the test code (see :func:`_scope`), which production never does: state left by one
    request (a cached user, an identity map) would hide bugs in the next. pytest-flask has
    no setting to turn it off; tests that need a context push one explicitly.
    """


@pytest.fixture(autouse=True)
def _db_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Roll back everything a test wrote, unless it needs real commits (``postgres``).

    Every session, the test body's and each request's, is bound to one connection whose
    outer transaction is rolled back at the end; ``commit()`` releases a savepoint.
    """
    path = Path(str(request.node.path))
    if (
        DOMAIN_TESTS in path.parents
        or E2E_TESTS in path.parents
        or request.node.get_closest_marker("postgres")
        or request.node.get_closest_marker("real_commits")
    ):
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        # The only connection that writes in these tests: it need not take SQLite's write
        # lock at BEGIN (portal.database), which would block a test's read-only connection.
        connection = db.engine.connect().execution_options(**{DEFERRED_BEGIN: True})
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    original = db.session
    db.session = scoped_session(factory, scopefunc=_scope)
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _celery_join_flag_clear() -> None:
    """Each test starts with Celery's "inside a task" flag clear.

    The flag is process-global, and eager tasks run on parallel threads (the concurrency
    tests) can leave it set: each saves and restores it around its run, and the last to
    restore may put back another thread's "set". A later ``result.get()`` then fails with
    "Never call result.get() within a task!" in a test that has nothing to do with it.
    """
    from celery.result import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """Rate limits count per client IP, which every test shares: start each test at zero."""
    path = Path(str(request.node.path))
    if DOMAIN_TESTS in path.parents or E2E_TESTS in path.parents:
        return
    from portal.auth.limits import limiter

    app: Flask = request.getfixturevalue("app")
    # Flask-Limiter keeps one storage per Limiter, and every create_app() (tests build a
    # few) replaces it: give the session app its own back before each test.
    storage, strategy = app.extensions["portal_limiter_state"]
    limiter._storage, limiter._limiter = storage, strategy
    with app.app_context():
        limiter.reset()


@pytest.fixture
def committed(app: Flask, is_postgres: bool) -> Iterator[Flask]:
    """Real commits from several connections (tests marked ``postgres``); emptied afterwards."""
    assert is_postgres, "mark the test with @pytest.mark.postgres"
    yield app
    with app.app_context():
        db.session.remove()
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith(("postgres", "postgresql")):
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: SQLite has no row locks or parallel writers "
        "(set TEST_DATABASE_URL, e.g. make test-postgres)"
    )
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
