"""The OpenAPI 3.1 document, its docs page, and schemathesis against every operation.

Scenario 33: random bodies on every operation → no 5xx, every response conforms to the
documented schema, status code and content type. Hypothesis runs ``EXAMPLES`` cases per
operation, more than 500 in all (the count is asserted at the end of the module).
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks

from portal.core.context import SYSTEM
from portal.extensions import db
from portal.services.integration import create_key
from tests.factories import create_creditor

EXAMPLES = 45


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
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    calls: Counter[str] = Counter()
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
                case.validate_response(
                    response,
                    checks=[
                        checks.response_schema_conformance,
                        checks.content_type_conformance,
                        checks.status_code_conformance,
                    ],
                    headers=headers,
                )

            fuzz()
    finally:
        app.config["API_RATE_LIMIT"] = saved
    assert set(calls) == {op.label for op in operations}
    assert sum(calls.values()) >= 500, calls
