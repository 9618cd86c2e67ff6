"""portal/input_guard.py: what cannot be stored is refused with a 4xx before the database.

Issue 12's reproductions (a NUL in the sign-in identifier, a NUL in a debtor's name through
the API, an array nested 100,000 deep) each gave a 500 on PostgreSQL; they run here on
whichever database the suite uses.
"""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.input_guard import MAX_JSON_DEPTH, UnstorableInput, check_json, loads_guarded
from portal.models import AuditEvent, Debtor
from tests.api.conftest import Company, make_company
from tests.factories import next_cpf
from tests.html import csrf_token, parse_page

REFUSED_TITLE = "Não conseguimos aceitar esses dados"


def _events() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0)


def _debtors() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Debtor)) or 0)


def _refused_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.status_code
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == REFUSED_TITLE


# --- forms, query strings, paths and headers on pages ---------------------------------


@pytest.mark.parametrize(
    "identifier",
    ["a\x00b@example.com", "a\x07b@example.com", "529\x1b982", "a\ufffeb@example.com"],
)
def test_sign_in_request_with_unstorable_characters_is_refused(
    client: FlaskClient, identifier: str
) -> None:
    token = csrf_token(parse_page(client.get("/")))
    before = _events()
    response = client.post("/entrar", data={"csrf_token": token, "identifier": identifier})
    _refused_page(response)
    assert _events() == before  # refused before anything was looked up or recorded


@pytest.mark.parametrize("encoded", ["a%FFb%40example.com", "a%ED%A0%80b%40example.com"])
def test_invalid_utf8_in_a_form_is_refused_not_replaced(client: FlaskClient, encoded: str) -> None:
    """%ED%A0%80 is a UTF-16 surrogate written as UTF-8: invalid, like a stray byte."""
    token = csrf_token(parse_page(client.get("/")))
    body = f"csrf_token={token}&identifier={encoded}"
    response = client.post("/entrar", data=body, content_type="application/x-www-form-urlencoded")
    _refused_page(response)


def test_staff_sign_in_with_a_nul_is_refused(client: FlaskClient) -> None:
    token = csrf_token(parse_page(client.get("/atendimento/entrar")))
    response = client.post(
        "/atendimento/entrar",
        data={"csrf_token": token, "email": "x\x00@example.com", "password": "p", "totp": "1"},
    )
    _refused_page(response)


@pytest.mark.parametrize("query", ["next=%00", "q=a%0Bb", "x=%FF", "%00=1", "a=%ED%A0%80"])
def test_unstorable_query_strings_are_refused(client: FlaskClient, query: str) -> None:
    _refused_page(client.get(f"/atendimento/entrar?{query}"))


def test_unstorable_paths_are_refused(client: FlaskClient) -> None:
    _refused_page(client.get("/a/abc%00def"))
    _refused_page(client.get("/a/abc%FFdef"))


def test_control_characters_in_headers_are_refused(client: FlaskClient) -> None:
    _refused_page(client.get("/", headers={"User-Agent": "curl\x00/8"}))
    assert client.get("/", headers={"User-Agent": "curl/8\twith tab"}).status_code == 200


def test_file_names_are_checked_too(client: FlaskClient) -> None:
    token = csrf_token(parse_page(client.get("/")))
    response = client.post(
        "/entrar",
        data={"csrf_token": token, "identifier": "a@example.com", "f": (io.BytesIO(b"x"), "a\x00")},
        content_type="multipart/form-data",
    )
    _refused_page(response)


def test_free_text_keeps_tabs_and_line_breaks(app: Flask) -> None:
    body = "csrf_token=x&note=linha+1%0D%0Alinha%092&name=ok"
    with app.test_request_context(
        "/x", method="POST", data=body, content_type="application/x-www-form-urlencoded"
    ):
        from portal.input_guard import guard_request

        guard_request()  # no exception
    with (
        app.test_request_context(
            "/x", method="POST", data="na%0Ame=x", content_type="application/x-www-form-urlencoded"
        ),
        pytest.raises(UnstorableInput),
    ):
        guard_request()  # a field *name* is one line


# --- the API: problem details -----------------------------------------------------------


@pytest.fixture
def company(app: Flask) -> Company:
    return make_company(app)


def test_api_debtor_name_with_a_nul_is_422_naming_the_field(company: Company) -> None:
    before = _debtors()
    response = company.post("/api/v1/debtors", json={"document": next_cpf(), "name": "A\u0000B"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "invalid_characters"
    assert response.json["errors"][0]["field"] == "name"
    assert _debtors() == before


def test_api_lone_surrogate_is_422(company: Company) -> None:
    body = '{"document": "' + next_cpf() + '", "name": "A\\ud800B"}'
    response = company.post(
        "/api/v1/debtors", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json["code"] == "invalid_characters"


@pytest.mark.parametrize("depth", [100_000, 2_000, MAX_JSON_DEPTH + 1])
def test_api_deep_nesting_is_400_not_a_recursion_error(company: Company, depth: int) -> None:
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        response = company.post(
            "/api/v1/debtors", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.get_data()
        assert response.mimetype == "application/problem+json"
        assert response.json["code"] == "json_too_deep"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"document": "1", "name": "x", "n": 99999999999999999999}', "number_out_of_range"),
        ('{"document": "1", "name": NaN}', "invalid_json_number"),
        ('{"document": "1", "name\\u0000": "x"}', "invalid_characters"),
    ],
)
def test_api_numbers_and_keys_that_cannot_be_stored(company: Company, body: str, code: str) -> None:
    response = company.post(
        "/api/v1/debtors", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json["code"] == code
    assert "\\u0000" not in response.get_data(as_text=True)  # what is refused is not echoed


def test_api_path_and_query_with_a_nul_are_400(company: Company) -> None:
    for path in ("/api/v1/items/a%00b", "/api/v1/items?cursor=%00", "/api/v1/debtors?x=%FF"):
        response = company.get(path)
        assert response.status_code == 400, path
        assert response.mimetype == "application/problem+json"
        assert response.json["code"] in {"invalid_characters", "invalid_encoding"}


def test_ordinary_json_still_works(company: Company) -> None:
    response = company.post(
        "/api/v1/debtors", json={"document": next_cpf(), "name": "Ana\tMaria Souza"}
    )
    assert response.status_code == 201, response.get_data()


# --- the loader on its own ---------------------------------------------------------------


def test_loader_accepts_what_json_accepts_within_limits() -> None:
    document = {"a": [1, 2.5, "x\ny", {"b": None, "c": True}], "d": -(2**63) + 1}
    assert loads_guarded(json.dumps(document)) == document
    nested: object = 1
    for _ in range(MAX_JSON_DEPTH):  # 32 nested lists
        nested = [nested]
    check_json(nested)  # exactly at the limit
    with pytest.raises(UnstorableInput):
        check_json([nested])
