"""Idempotency-Key on POSTs (E12, scenario 32) and secrets never stored in clear."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import AccessLink, CreditorDebtor, IdempotencyRecord
from tests.api.conftest import Company, make_company
from tests.factories import next_cpf


def test_same_key_same_body_replays_the_first_response(company: Company) -> None:
    body = {"document": next_cpf(), "name": "Rita Alves"}
    headers = {"Idempotency-Key": "abc-1"}
    first = company.post("/api/v1/debtors", json=body, headers=headers)
    second = company.post("/api/v1/debtors", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_data() == second.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    other = company.post("/api/v1/debtors", json={**body, "name": "Rita A."}, headers=headers)
    assert other.status_code == 409 and other.json["code"] == "idempotency_key_reused"


def test_keys_are_per_company(company: Company, other_company: Company) -> None:
    headers = {"Idempotency-Key": "shared"}
    a = company.post("/api/v1/debtors", json={"document": next_cpf(), "name": "A"}, headers=headers)
    b = other_company.post(
        "/api/v1/debtors", json={"document": next_cpf(), "name": "B"}, headers=headers
    )
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b.headers


def test_access_link_replay_returns_the_same_link_and_stores_no_token(company: Company) -> None:
    document = next_cpf()
    company.post("/api/v1/debtors", json={"document": document, "name": "Rui Costa"})
    headers = {"Idempotency-Key": "link-1"}
    body = {"debtor_document": document, "channel": "whatsapp", "days": 10}
    first = company.post("/api/v1/access-links", json=body, headers=headers)
    again = company.post("/api/v1/access-links", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json["url"] == again.json["url"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink)) == 1
    token = first.json["url"].rsplit("/", 1)[1]
    stored = db.session.scalars(sa.select(IdempotencyRecord)).all()
    assert stored and all(token not in (r.response_body or "") for r in stored)
    assert first.json["url"] in first.json["message_text"]
    assert len(first.json["url"].split("://", 1)[1].split("/", 1)[1]) <= 26


def test_a_link_from_the_api_opens_the_identity_check(app: Flask, company: Company) -> None:
    document = next_cpf()
    company.post("/api/v1/debtors", json={"document": document, "name": "Rui Costa"})
    url = company.post(
        "/api/v1/access-links", json={"debtor_document": document, "channel": "sms"}
    ).json["url"]
    page = app.test_client().get(url.removeprefix(app.config["BASE_URL"]))
    assert page.status_code == 200
    assert "Rui" not in page.get_data(as_text=True)  # nothing before the identity check


def test_invalid_idempotency_key(company: Company) -> None:
    response = company.post(
        "/api/v1/debtors",
        json={"document": next_cpf(), "name": "X Y"},
        headers={"Idempotency-Key": "x" * 256},
    )
    assert response.status_code == 400


@pytest.mark.postgres
def test_concurrent_duplicates_create_one_resource(committed: Flask) -> None:
    """Scenario 32: the same key and body, five times at once → one debtor, same answers."""
    with committed.app_context():
        company = make_company(committed)
    body = {"document": next_cpf(), "name": "Concorrente Um"}
    results: list[tuple[int, bytes]] = []
    barrier = threading.Barrier(5)

    def call() -> None:
        client = committed.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/debtors",
            json=body,
            headers={**company.headers, "Idempotency-Key": "race-1"},
        )
        results.append((response.status_code, response.get_data()))

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with committed.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).where(CreditorDebtor.name == "Concorrente Um")
        )
    assert count == 1
    assert {status for status, _ in results} == {201}
    assert len({payload for _, payload in results}) == 1
