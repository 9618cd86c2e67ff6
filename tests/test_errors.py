"""portal/errors.py: pt-BR pages for people, problem details for machines, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient

from tests.conftest import make_test_app
from tests.html import parse_page


def test_404_page_in_portuguese(client: FlaskClient) -> None:
    response = client.get("/nao-existe")
    assert response.status_code == 404
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == "Página não encontrada"
    assert response.headers["Cache-Control"] == "no-store, max-age=0"


def test_405_keeps_allow_header(client: FlaskClient) -> None:
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_api_paths_get_problem_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "code": "not_found",
        "detail": "There is no such resource, or it belongs to another company.",
    }
    unauthorized = client.get("/api/v1/agreements")
    assert unauthorized.status_code == 401
    assert unauthorized.json["code"] == "unauthorized" and unauthorized.json["detail"]


@pytest.fixture(scope="module")
def failing_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    db_file = Path(tmp_path_factory.mktemp("errors")) / "e.sqlite3"
    app = make_test_app(f"sqlite:///{db_file}")
    app.config["TESTING"] = False  # let the error handlers run as in production
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail 529.982.247-25")

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.get("/api/v1/boom")
    def api_boom() -> str:
        raise RuntimeError("secret internal detail")

    return app


def test_500_page_hides_the_error(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internal detail" not in body
    assert "Traceback" not in body
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == "Algo deu errado do nosso lado"


def test_403_page(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/forbidden")
    assert response.status_code == 403
    assert parse_page(response).h1.get_text(strip=True) == "Acesso não permitido"


def test_500_as_problem_json(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret" not in response.get_data(as_text=True)
