"""Issue 12: concurrent API writes queue instead of failing, on SQLite and on PostgreSQL.

Each test runs on both databases with real commits from parallel threads (the ``backend``
fixture of tests/concurrency.py): on the embedded default (a SQLite file of its own, with the
migrations) and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
Before the fix, ten identical requests on SQLite gave six 500s ("database is locked").
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import CreditorDebtor
from tests.api.conftest import Company, make_company
from tests.concurrency import in_parallel, real_sqlite_app
from tests.factories import next_cpf

PARALLEL = 10
pytestmark = pytest.mark.real_commits


def _company(app: Flask) -> Company:
    with app.app_context():
        company = make_company(app)
        db.session.remove()
    return company


def _post(app: Flask, company: Company, body: dict[str, Any], key: str) -> tuple[int, Any]:
    response = app.test_client().post(
        "/api/v1/debtors", json=body, headers={**company.headers, "Idempotency-Key": key}
    )
    return response.status_code, response


def _debtors_named(app: Flask, name: str) -> int:
    with app.app_context():
        count = db.session.scalar(
            # the name lives in each company's relationship with the person (tenant isolation)
            sa.select(sa.func.count(sa.distinct(CreditorDebtor.debtor_id))).where(
                CreditorDebtor.name == name
            )
        )
        db.session.remove()
    return int(count or 0)


def _assert_in_progress(response: Any) -> None:
    assert response.status_code == 409, response.get_data()
    assert response.json["code"] == "idempotency_key_in_progress"
    assert int(response.headers["Retry-After"]) >= 1


def test_ten_identical_requests_make_one_debtor_and_no_error(backend: Flask) -> None:
    company = _company(backend)
    name = f"Paralela {next_cpf()}"
    body = {"document": next_cpf(), "name": name}
    results = in_parallel([lambda: _post(backend, company, body, "same-key")] * PARALLEL)
    statuses = [status for status, _ in results]
    assert all(status < 500 for status in statuses), statuses
    for status, response in results:
        if status == 409:
            _assert_in_progress(response)
        else:
            assert status == 201, (status, response.get_data())
    assert _debtors_named(backend, name) == 1
    # Whoever got 409 retries with the same key and gets the very same answer.
    answers = {r.get_data() for s, r in results if s == 201}
    answers.add(_post(backend, company, body, "same-key")[1].get_data())
    assert len(answers) == 1


def test_ten_requests_for_one_new_debtor_with_different_keys(backend: Flask) -> None:
    """The losers of the race on the unique CPF run again and update what the winner made."""
    company = _company(backend)
    document, name = next_cpf(), f"Corrida {next_cpf()}"
    calls = [
        (lambda i=i: _post(backend, company, {"document": document, "name": name}, f"k-{i}"))
        for i in range(PARALLEL)
    ]
    statuses = sorted(status for status, _ in in_parallel(calls))
    assert statuses == [200] * (PARALLEL - 1) + [201], statuses
    assert _debtors_named(backend, name) == 1


@pytest.fixture
def slow_first_request(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The first debtor upsert blocks (holding its transaction) until the event is set."""
    from portal.api.views import debtors

    original = debtors.upsert_debtors
    release, entered = threading.Event(), threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if not entered.is_set():
            entered.set()
            assert release.wait(30)
        return result

    monkeypatch.setattr(debtors, "upsert_debtors", slow)
    release.entered = entered  # type: ignore[attr-defined]
    yield release
    release.set()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_duplicate_of_a_request_still_running_gets_409_in_progress(
    database: str,
    is_postgres: bool,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    slow_first_request: threading.Event,
) -> None:
    """It waits a little (SQLite's busy timeout, here 1 s; 0.5 s on PostgreSQL), then says
    "in progress, retry" instead of waiting as long as the first runs, or failing."""
    if database == "sqlite":
        app = real_sqlite_app(tmp_path / "slow.sqlite3", busy_timeout=1)
    elif is_postgres:
        app = request.getfixturevalue("committed")
    else:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL, e.g. make test-postgres)")
    monkeypatch.setitem(app.config, "IDEMPOTENCY_WAIT_SECONDS", 0.5)
    try:
        company = _company(app)
        body = {"document": next_cpf(), "name": "Demorada Silva"}
        first: list[tuple[int, Any]] = []
        thread = threading.Thread(target=lambda: first.append(_post(app, company, body, "slow")))
        thread.start()
        assert slow_first_request.entered.wait(30)  # type: ignore[attr-defined]
        status, duplicate = _post(app, company, body, "slow")
        _assert_in_progress(duplicate)
        slow_first_request.set()
        thread.join(30)
        assert first[0][0] == 201
        status, replay = _post(app, company, body, "slow")
        assert status == 201 and replay.headers["Idempotent-Replayed"] == "true"
        assert replay.get_data() == first[0][1].get_data()
    finally:
        if database == "sqlite":
            with app.app_context():
                db.engine.dispose()
