"""The OpenAPI 3.1 document, its docs page, and schemathesis against every operation.

Scenario 33: random bodies on every operation → no 5xx, and every check schemathesis has
passes (issue 18: schema, status code and content type conformance, schema-valid requests
accepted, schema-violating ones refused, problem+json…), with our formats taught by
``tests/api/schemathesis_hooks.py``. Hypothesis runs ``EXAMPLES`` cases per
operation, more than 500 in all (the count is asserted at the end of the module). Each
case is sent a second time with a NUL byte in every string it carries (body, query, path),
and every operation with a body also gets a JSON array nested 100,000 deep (issue 12).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks

from portal.core.context import SYSTEM
from portal.extensions import db
from portal.services.integration import create_key
from tests.api import schemathesis_hooks  # noqa: F401  (registers our formats)
from tests.factories import create_creditor

EXAMPLES = 45
DEEP = 100_000


def with_nul(value: Any) -> Any:
    """The same value with a NUL byte in the middle of every string in it."""
    if isinstance(value, str):
        middle = len(value) // 2
        return value[:middle] + "\x00" + value[middle:]
    if isinstance(value, dict):
        return {key: with_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_nul(item) for item in value]
    return value


def test_the_document_is_openapi_3_1_and_covers_every_resource(app: Flask) -> None:
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    paths = set(spec["paths"])
    assert {
        "/api/v1/debtors",
        "/api/v1/debtors/{debtor_id}",
        "/api/v1/items/batch",
        "/api/v1/items",
        "/api/v1/items/{reference}",
        "/api/v1/access-links",
        "/api/v1/agreements",
        "/api/v1/agreements/{agreement_id}",
        "/api/v1/payments",
        "/api/v1/payments/{payment_id}",
        "/api/v1/webhook-endpoints",
        "/api/v1/webhook-endpoints/{endpoint_id}",
        "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret",
    } <= paths
    batch = spec["paths"]["/api/v1/items/batch"]["post"]
    assert {p["name"] for p in batch["parameters"]} == {"Idempotency-Key"}
    schema_ref = batch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    assert spec["components"]["schemas"][name]["properties"]["items"]["maxItems"] == 1000
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "POST /api/v1/items/batch" in docs.get_data(as_text=True)


def test_every_operation_survives_random_input(app: Flask) -> None:
    creditor = create_creditor()
    _, secret = create_key(db.session, creditor.id, "fuzz", actor=SYSTEM)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    saved = app.config["API_RATE_LIMIT"]
    saved_private = app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"]
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    # No DNS here: every webhook host resolves to this machine, which the test allows.
    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = True
    app.extensions["webhook_resolver"] = lambda host, port: ["127.0.0.1"]
    calls: Counter[str] = Counter()
    nul_calls: Counter[str] = Counter()
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def fuzz(case: schemathesis.Case) -> None:
                response = case.call(headers=headers)
                calls[case.operation.label] += 1
                assert response.status_code < 500, (case.operation.label, response.text)
                case.validate_response(response, headers=headers)  # every check
                _inject_nul(case)
                response = case.call(headers=headers)
                nul_calls[case.operation.label] += 1
                _conforms(case, response, headers)
                assert response.status_code in (400, 422), (case.operation.label, response.text)

            fuzz()
            if operation.body:
                _deeply_nested_body_is_refused(app, operation, headers)
    finally:
        app.config["API_RATE_LIMIT"] = saved
        app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = saved_private
        app.extensions.pop("webhook_resolver", None)
    assert set(calls) == {op.label for op in operations}
    assert sum(calls.values()) >= 500, calls
    assert set(nul_calls) == {op.label for op in operations}, nul_calls


def _conforms(case: schemathesis.Case, response: Any, headers: dict[str, str]) -> None:
    assert response.status_code < 500, (case.operation.label, response.text)
    case.validate_response(
        response,
        checks=[
            checks.response_schema_conformance,
            checks.content_type_conformance,
            checks.status_code_conformance,
        ],
        headers=headers,
    )


def _inject_nul(case: schemathesis.Case) -> None:
    """Put a NUL in every string of the case (or in an extra query parameter if none)."""
    if case.headers:  # a reused key would (rightly) answer 409 before the body is read
        case.headers.pop("Idempotency-Key", None)
    before = (case.body, case.query, case.path_parameters)
    if isinstance(case.body, dict | list | str):
        case.body = with_nul(case.body)
    case.query = with_nul(case.query) if case.query else case.query
    case.path_parameters = (
        with_nul(case.path_parameters) if case.path_parameters else case.path_parameters
    )
    if (case.body, case.query, case.path_parameters) == before:
        case.query = {**(case.query or {}), "nul": "\x00"}  # an unknown parameter, then


def _deeply_nested_body_is_refused(app: Flask, operation: Any, headers: dict[str, str]) -> None:
    path = operation.path
    for name in operation.path_parameters:
        path = path.replace("{" + name.name + "}", "1")
    response = app.test_client().open(
        path,
        method=operation.method.upper(),
        data="[" * DEEP + "]" * DEEP,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, (operation.label, response.get_data())
    assert response.json["code"] == "json_too_deep"
