"""``/healthz`` reports the database status as JSON."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from portal.extensions import db


def test_healthz_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.mimetype == "application/json"


def test_healthz_when_the_database_is_down(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(Connection, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "degraded", "database": "unavailable"}
    assert "refused" not in response.get_data(as_text=True)


def test_csp_reports_are_accepted_without_csrf(client: FlaskClient) -> None:
    response = client.post(
        "/csp-report", data=b'{"csp-report": {}}', content_type="application/csp-report"
    )
    assert response.status_code == 204


def test_healthz_is_one_statement_outside_any_transaction(app: Flask, client: FlaskClient) -> None:
    """No ORM session and, on PostgreSQL, no BEGIN/ROLLBACK around the ``SELECT 1``."""
    seen: list[str] = []
    autocommit: list[bool] = []

    def record(conn: sa.Connection, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)
        dbapi = conn.connection.dbapi_connection
        autocommit.append(bool(getattr(dbapi, "autocommit", False)))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if engine.dialect.name == "postgresql":  # psycopg sends BEGIN unless in autocommit
        assert seen == ["SELECT 1"] and autocommit == [True]
    else:  # SQLite: our begin hook's BEGIN is a statement here (portal.database)
        assert [s for s in seen if not s.startswith("BEGIN")] == ["SELECT 1"]
