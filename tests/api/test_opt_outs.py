"""POST/GET /api/v1/debtors/{id}/opt-outs: a company records a debtor's opt-out."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import Company

DEBTOR = {"document": "529.982.247-25", "name": "Maria Teste", "phone": "(11) 98765-4321"}


def test_record_list_and_repeat(app: Flask, company: Company, other_company: Company) -> None:
    debtor_id = company.post("/api/v1/debtors", json=DEBTOR).json["id"]
    path = f"/api/v1/debtors/{debtor_id}/opt-outs"
    created = company.post(path, json={"channel": "sms"})
    assert created.status_code == 201
    assert created.json["channel"] == "sms" and created.json["source"] == "api"
    again = company.post(path, json={"channel": "sms"})
    assert again.status_code == 200 and again.json["created_at"] == created.json["created_at"]
    assert [o["channel"] for o in company.get(path).json["data"]] == ["sms"]
    # Another company does not know this debtor: 404, nothing revealed.
    assert other_company.get(path).status_code == 404
    assert other_company.post(path, json={"channel": "email"}).status_code == 404


def test_bad_channel_is_a_problem(company: Company) -> None:
    debtor_id = company.post("/api/v1/debtors", json=DEBTOR).json["id"]
    response = company.post(f"/api/v1/debtors/{debtor_id}/opt-outs", json={"channel": "fax"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
