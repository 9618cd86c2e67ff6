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


def test_a_company_only_opt_out_is_listed_to_that_company_alone(
    app: Flask, company: Company, other_company: Company
) -> None:
    """An opt-out the debtor made for one company on "Meus dados" shows in that company's
    list (scope "company") and never in another company's."""
    from portal.core.clock import now_utc
    from portal.core.context import SYSTEM
    from portal.domain.regua_copy import Channel
    from portal.extensions import db
    from portal.models import Debtor
    from portal.services.privacy import set_preferences

    debtor_id = company.post("/api/v1/debtors", json=DEBTOR).json["id"]
    assert other_company.post("/api/v1/debtors", json=DEBTOR).json["id"] == debtor_id
    set_preferences(
        db.session,
        db.session.get_one(Debtor, debtor_id),
        company.creditor.id,
        {Channel.WHATSAPP: False},
        actor=SYSTEM,
        now=now_utc(),
    )
    db.session.commit()
    path = f"/api/v1/debtors/{debtor_id}/opt-outs"
    assert [(o["channel"], o["scope"], o["source"]) for o in company.get(path).json["data"]] == [
        ("whatsapp", "company", "lgpd")
    ]
    assert other_company.get(path).json["data"] == []
    # The company may still record the debtor's wish for every company on top of it.
    created = company.post(path, json={"channel": "whatsapp"})
    assert created.status_code == 201 and created.json["scope"] == "all_companies"
    assert [o["scope"] for o in other_company.get(path).json["data"]] == ["all_companies"]
