"""Concurrency tests on both databases (a pytest plugin loaded by tests/conftest.py).

A test that takes the ``backend`` fixture runs twice with real commits from parallel
threads: on the embedded default (a SQLite file of its own, built by the migrations, with
the production engine options) and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL (the
``committed`` fixture). Mark such a module ``real_commits`` so the per-test rollback stays out
of the way. :func:`in_parallel` starts the calls together behind a barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask

from portal.database import SQLITE_BUSY_TIMEOUT_SECONDS
from portal.extensions import db


def real_sqlite_app(path: Path, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS) -> Flask:
    """A test app on its own SQLite file, migrated, that commits for real."""
    from tests.conftest import make_test_app

    options = {
        "connect_args": {"timeout": busy_timeout, "check_same_thread": False},
        "hide_parameters": True,
    }
    app = make_test_app(f"sqlite:///{path}", SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = real_sqlite_app(tmp_path_factory.mktemp("concurrency") / "portal.sqlite3")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, is_postgres: bool) -> Flask:
    """The application under test, with real commits; PostgreSQL only when configured."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_app")  # type: ignore[no-any-return]
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL, e.g. make test-postgres)")
    return request.getfixturevalue("committed")  # type: ignore[no-any-return]


def in_parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls on one thread each, released together; their results in order.

    An exception in a call is returned in its place (a thread cannot raise into the test).
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # reported to the test as its result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
