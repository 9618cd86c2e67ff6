"""``/healthz`` reports the database status as JSON."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
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

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "degraded", "database": "unavailable"}
    assert "refused" not in response.get_data(as_text=True)


def test_csp_reports_are_accepted_without_csrf(client: FlaskClient) -> None:
    response = client.post(
        "/csp-report", data=b'{"csp-report": {}}', content_type="application/csp-report"
    )
    assert response.status_code == 204
