"""Issue 18: the API keeps the contract its OpenAPI document states.

Batch items are checked one by one (one bad item never rejects the batch); every error is
problem+json with ``code``, ``title``, ``detail`` and, per field, ``message`` and
``message_pt``; the document's patterns are the server's (CPF/CNPJ with check digits,
``Idempotency-Key``, references, cursors); ``/items/batch`` allows POST alone.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask

from portal.api import rules
from tests.api.conftest import Company
from tests.factories import next_cpf


def _spec(app: Flask) -> dict[str, Any]:
    return app.test_client().get("/api/v1/openapi.json").json  # type: ignore[no-any-return]


def _assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json
    assert body["code"] == code and body["title"] and body["detail"], body
    for error in body.get("errors") or []:
        assert {"field", "code", "message", "message_pt"} <= set(error), error
    return body


def _item(reference: str, document: str, **fields: Any) -> dict[str, Any]:
    return {
        "external_reference": reference,
        "debtor_document": document,
        "description": "Fatura de energia",
        "amount_cents": 18_990,
        "due_date": "2026-09-10",
        **fields,
    }


def test_one_bad_item_does_not_reject_the_batch(company: Company) -> None:
    document = next_cpf()
    assert (
        company.post("/api/v1/debtors", json={"document": document, "name": "Ana"}).status_code
        == 201
    )
    wrong_digits = document[:-1] + str((int(document[-1]) + 1) % 10)
    batch = company.post(
        "/api/v1/items/batch",
        json={
            "items": [
                _item("A-1", document, amount_cents=-5, due_date="2026-13-01"),
                _item("A-2", document),
                _item("A-3", wrong_digits),
                _item("batch", document),
                _item("A-5", document, description="   "),
            ]
        },
    )
    assert batch.status_code == 200, batch.json
    body = batch.json
    assert (body["created"], body["errors"]) == (1, 4)
    outcomes = [(r["external_reference"], r["outcome"]) for r in body["results"]]
    assert outcomes == [
        ("A-1", "error"),
        ("A-2", "created"),
        ("A-3", "error"),
        ("batch", "error"),
        ("A-5", "error"),
    ]
    first, _, digits, reserved, blank = body["results"]
    assert {e["field"] for e in first["errors"]} == {"amount_cents", "due_date"}
    assert digits["errors"][0]["code"] == "invalid_document"
    assert digits["errors"][0]["message_pt"] == "CPF ou CNPJ inválido"
    assert reserved["errors"][0]["code"] == "invalid_reference"
    assert blank["errors"][0]["field"] == "description"
    for result in body["results"]:
        for error in result["errors"]:
            assert (
                error["message"] and error["message_pt"] and error["message"] != error["message_pt"]
            ), error
    assert company.get("/api/v1/items/A-2").status_code == 200
    assert company.get("/api/v1/items/A-1").status_code == 404


def test_only_the_batch_shape_refuses_the_whole_batch(company: Company) -> None:
    missing = company.post("/api/v1/items/batch", json={"items": [{"external_reference": "X"}]})
    body = _assert_problem(missing, 422, "validation_error")
    assert "items.0.amount_cents" in {e["field"] for e in body["errors"]}
    typed = company.post(
        "/api/v1/items/batch", json={"items": [_item("X", next_cpf(), amount_cents="5")]}
    )
    _assert_problem(typed, 422, "validation_error")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/v1/items/batch", {"POST", "OPTIONS"}), ("/api/v1/items/NF-1", {"GET", "PATCH"})],
)
def test_allow_lists_what_the_document_lists(
    app: Flask, company: Company, path: str, allowed: set[str]
) -> None:
    response = company.client.options(path, headers=company.headers)
    methods = {m.strip() for m in response.headers["Allow"].split(",")}
    documented = {m.upper() for m in _spec(app)["paths"][re.sub(r"NF-1", "{reference}", path)]}
    assert allowed <= methods
    assert methods - {"OPTIONS", "HEAD"} == documented
    refused = company.get("/api/v1/items/batch")
    _assert_problem(refused, 405, "method_not_allowed")
    assert "POST" in refused.headers["Allow"] and "GET" not in refused.headers["Allow"]


def test_401_and_404_are_coded_problems(company: Company) -> None:
    _assert_problem(company.client.get("/api/v1/items"), 401, "unauthorized")
    _assert_problem(company.get("/api/v1/items/NOPE"), 404, "not_found")
    _assert_problem(company.get("/api/v1/debtors/999999"), 404, "not_found")


@pytest.mark.parametrize("key", ["ção", " ", "a" * 256, "tab\there"])
def test_idempotency_keys_are_printable_ascii(company: Company, key: str) -> None:
    response = company.post(
        "/api/v1/debtors",
        json={"document": next_cpf(), "name": "Ana"},
        headers={"Idempotency-Key": key},
    )
    if response.status_code == 400 and response.json.get("code") == "invalid_characters":
        return  # a control character is refused before the key is read
    _assert_problem(response, 400, "invalid_idempotency_key")


def test_the_documented_idempotency_key_pattern_is_the_servers(company: Company) -> None:
    for key in ("lote-2026-11-25", "a", "~!" * 127 + "z"):
        assert re.fullmatch(rules.IDEMPOTENCY_KEY, key)
        body = {"document": next_cpf(), "name": "Ana"}
        headers = {"Idempotency-Key": key}
        assert company.post("/api/v1/debtors", json=body, headers=headers).status_code == 201


def test_the_document_states_the_rules(app: Flask) -> None:
    spec = _spec(app)
    schemas = spec["components"]["schemas"]
    document = schemas["DebtorIn"]["properties"]["document"]
    assert document["pattern"] == rules.DOCUMENT and document["format"] == "cpf-cnpj"
    assert "check digits are verified" in document["description"]
    assert "invalid_document" in document["description"]
    url = schemas["WebhookEndpointIn"]["properties"]["url"]
    allow_http = app.config["WEBHOOKS_ALLOW_HTTP"]
    assert url["pattern"] == rules.webhook_url_pattern(allow_http)
    assert re.match(rules.webhook_url_pattern(False), "https://erp.example.com/hooks")
    assert not re.match(rules.webhook_url_pattern(False), "http://erp.example.com/hooks")
    birth = next(
        b for b in schemas["DebtorIn"]["properties"]["birth_date"]["anyOf"] if "pattern" in b
    )
    assert re.match(birth["pattern"], "1980-02-29") and not re.match(birth["pattern"], "1981-02-29")
    assert not re.match(birth["pattern"], f"{date.today().year + 1}-01-01")
    listing = spec["paths"]["/api/v1/agreements"]["get"]["parameters"]
    query = {p["name"]: p["schema"] for p in listing}
    assert query["cursor"]["pattern"] == rules.CURSOR and query["cursor"]["type"] == "string"
    assert query["updated_since"]["format"] == "date-time"
    assert not re.match(query["updated_since"]["pattern"], "0.5")
    post = spec["paths"]["/api/v1/debtors"]["post"]
    (key,) = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["schema"]["pattern"] == rules.IDEMPOTENCY_KEY
    problem = schemas["ProblemDetail"]
    assert {"code", "title", "detail", "status"} <= set(problem["required"])
    field = schemas["ProblemField"]
    assert {"field", "code", "message", "message_pt"} <= set(field["required"])
    for path in spec["paths"].values():
        for operation in path.values():
            for status in ("401", "400"):
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content


def test_cpf_check_digits_are_verified_with_a_code(company: Company) -> None:
    refused = company.post("/api/v1/debtors", json={"document": "111.444.777-00", "name": "Ana"})
    body = _assert_problem(refused, 422, "validation_error")
    assert body["errors"][0]["code"] == "invalid_document"
    assert body["errors"][0]["message_pt"] == "CPF ou CNPJ inválido"
    accepted = company.post("/api/v1/debtors", json={"document": "111.444.777-35", "name": "Ana"})
    assert accepted.status_code == 201


def test_the_schema_names_every_event_the_portal_emits_and_no_other() -> None:
    """``EventType`` (what the OpenAPI document offers to subscribe to) is a static Literal for
    the type checker, ``EVENT_TYPES`` what the integration context emits: one list, twice."""
    from typing import get_args

    from portal.api.types import EventType
    from portal.services.integration.events import EVENT_TYPES

    assert set(get_args(EventType)) == EVENT_TYPES
    assert len(get_args(EventType)) == len(EVENT_TYPES)


def test_the_schema_names_every_payment_method_and_no_other(app: Flask) -> None:
    """``PaymentOut.method`` (a static Literal, in the OpenAPI document as an enum) and the
    methods the payments table accepts: one list, twice (boleto was added to both)."""
    from typing import get_args

    from portal.api.schemas import PaymentOut
    from portal.models.payment import PAYMENT_METHODS

    literal = get_args(PaymentOut.model_fields["method"].annotation)
    assert literal == PAYMENT_METHODS
    schema = _spec(app)["components"]["schemas"]["PaymentOut"]["properties"]["method"]
    assert schema["enum"] == list(PAYMENT_METHODS)
