"""Debtors and pending items through the API: upsert, batch outcomes, tenant isolation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import CreditorDebtor, ItemStatus, PendingItem
from tests.api.conftest import Company, company_for
from tests.factories import next_cpf
from tests.journey_helpers import debt_world, make_agreement


def _debtor(company: Company, **fields: object) -> dict[str, object]:
    body = {"document": next_cpf(), "name": "Maria Souza", **fields}
    response = company.post("/api/v1/debtors", json=body)
    assert response.status_code in (200, 201), response.json
    return {**body, **response.json}


def _item(document: object, reference: str, amount: int = 12_345) -> dict[str, object]:
    return {
        "external_reference": reference,
        "debtor_document": document,
        "description": "Fatura de energia 09/2026",
        "amount_cents": amount,
        "due_date": "2026-09-10",
    }


def test_debtor_upsert_created_then_unchanged_then_updated(company: Company) -> None:
    document = next_cpf()
    first = company.post("/api/v1/debtors", json={"document": document, "name": "Ana Lima"})
    assert first.status_code == 201 and first.json["outcome"] == "created"
    assert first.headers["Location"] == f"/api/v1/debtors/{first.json['id']}"
    assert document not in first.get_data(as_text=True)  # never the full CPF
    again = company.post("/api/v1/debtors", json={"document": document, "name": "Ana Lima"})
    assert again.status_code == 200 and again.json["outcome"] == "unchanged"
    phone = company.post(
        "/api/v1/debtors",
        json={"document": document, "name": "Ana Lima", "phone": "(11) 98765-4321"},
    )
    assert phone.json["outcome"] == "updated" and phone.json["has_phone"] is True
    assert company.get(f"/api/v1/debtors/{first.json['id']}").json["name"] == "Ana Lima"


def test_invalid_debtor_lists_every_field_in_english_and_portuguese(company: Company) -> None:
    response = company.post(
        "/api/v1/debtors",
        json={"document": "111.111.111-11", "name": "X", "email": "não", "phone": "123"},
    )
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json["errors"]}
    assert set(errors) == {"document", "email", "phone"}
    assert errors["document"]["code"] == "invalid_document"
    assert errors["document"]["message_pt"] == "CPF ou CNPJ inválido"
    assert errors["document"]["message"] == "invalid CPF or CNPJ"


def test_each_company_writes_and_reads_only_its_own_relationship(
    company: Company, other_company: Company
) -> None:
    """What one company sends never changes, nor shows, what another has (issue 11)."""
    debtor = _debtor(company, email="ana@example.com")
    other = other_company.post(
        "/api/v1/debtors",
        json={"document": debtor["document"], "name": "Outro Nome", "email": "x@example.com"},
    )
    # New to the other company, whatever the first one sent: nobody learns who else knows.
    assert other.status_code == 201 and other.json["outcome"] == "created"
    assert other.json["name"] == "Outro Nome" and other.json["id"] == debtor["id"]
    assert company.get(f"/api/v1/debtors/{debtor['id']}").json["name"] == "Maria Souza"
    assert other_company.get(f"/api/v1/debtors/{debtor['id']}").json["name"] == "Outro Nome"
    mine = db.session.get_one(CreditorDebtor, (company.creditor.id, debtor["id"]))
    theirs = db.session.get_one(CreditorDebtor, (other_company.creditor.id, debtor["id"]))
    assert (mine.name, mine.email) == ("Maria Souza", "ana@example.com")
    assert (theirs.name, theirs.email) == ("Outro Nome", "x@example.com")
    # A correction by the first company touches only its own row.
    fixed = company.post(
        "/api/v1/debtors",
        json={"document": debtor["document"], "name": "Maria S. Souza", "phone": "11987654321"},
    )
    assert fixed.json["outcome"] == "updated"
    db.session.expire_all()
    assert (theirs.name, theirs.phone) == ("Outro Nome", None)
    assert (mine.name, mine.email, mine.phone) == (
        "Maria S. Souza",
        "ana@example.com",
        "+5511987654321",
    )


def test_item_batch_outcomes_in_order(company: Company) -> None:
    debtor = _debtor(company)
    stranger = next_cpf()  # never sent to us
    body = {
        "items": [
            _item(debtor["document"], "F-1"),
            _item(debtor["document"], "F-2", amount=500),
            _item(stranger, "F-3"),
            _item(debtor["document"], "F-1"),
            {**_item(debtor["document"], "F-4"), "due_date": "1900-01-01"},
        ]
    }
    response = company.post("/api/v1/items/batch", json=body)
    assert response.status_code == 200
    outcomes = [(r["external_reference"], r["outcome"]) for r in response.json["results"]]
    assert outcomes == [
        ("F-1", "created"),
        ("F-2", "created"),
        ("F-3", "error"),
        ("F-1", "error"),
        ("F-4", "error"),
    ]
    codes = [[e["code"] for e in r["errors"]] for r in response.json["results"]]
    assert codes[2:] == [["debtor_not_found"], ["duplicate_in_batch"], ["invalid_due_date"]]
    assert (response.json["created"], response.json["errors"]) == (2, 3)
    again = company.post("/api/v1/items/batch", json={"items": body["items"][:2]})
    assert [r["outcome"] for r in again.json["results"]] == ["unchanged", "unchanged"]
    corrected = company.post(
        "/api/v1/items/batch", json={"items": [_item(debtor["document"], "F-2", amount=600)]}
    )
    assert corrected.json["results"][0]["outcome"] == "updated"
    assert company.get("/api/v1/items/F-2").json["amount_cents"] == 600


def test_batch_size_is_capped_at_1000(company: Company) -> None:
    items = [_item("037.104.211-95", f"R-{n}") for n in range(1001)]
    response = company.post("/api/v1/items/batch", json={"items": items})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "items"


def test_tenant_isolation_answers_404(company: Company, other_company: Company) -> None:
    """Scenario 31: company A's key on company B's objects → 404, never 403."""
    debtor = _debtor(company)
    company.post("/api/v1/items/batch", json={"items": [_item(debtor["document"], "SEG-1")]})
    assert other_company.get(f"/api/v1/debtors/{debtor['id']}").status_code == 404
    assert other_company.get("/api/v1/items/SEG-1").status_code == 404
    patched = other_company.patch("/api/v1/items/SEG-1", json={"status": "paid"})
    assert patched.status_code == 404
    assert other_company.get("/api/v1/items").json["data"] == []
    link = other_company.post(
        "/api/v1/access-links", json={"debtor_document": debtor["document"], "channel": "sms"}
    )
    assert link.status_code == 404
    item = db.session.scalars(
        sa.select(PendingItem).where(PendingItem.external_reference == "SEG-1")
    ).one()
    assert item.status == ItemStatus.OPEN


def test_mark_paid_and_refused_while_in_agreement(app: Flask, company: Company) -> None:
    debtor = _debtor(company)
    company.post(
        "/api/v1/items/batch",
        json={"items": [_item(debtor["document"], "P-1"), _item(debtor["document"], "P-2")]},
    )
    paid = company.patch("/api/v1/items/P-1", json={"status": "paid"})
    assert paid.status_code == 200 and paid.json["status"] == "paid"
    bad = company.patch("/api/v1/items/P-2", json={"status": "open"})
    assert bad.status_code == 422
    world = debt_world()
    make_agreement(world)
    owner = company_for(app, world.creditor)
    reference = world.items[0].external_reference
    refused = owner.patch(f"/api/v1/items/{reference}", json={"status": "cancelled"})
    assert refused.status_code == 409
    assert refused.json["code"] == "item_in_agreement"
    (error,) = refused.json["errors"]
    assert error["field"] == "status" and error["code"] == "item_in_agreement"
    assert "acordo" in error["message_pt"] and "agreement" in error["message"]
    assert "detail_pt" not in refused.json


def test_a_batch_checks_each_document_once_and_keeps_punctuated_ones(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.domain import documents

    debtor = _debtor(company)
    checked: list[str] = []
    real = documents._cpf_digits_valid

    def counted(value: str) -> bool:
        checked.append(value)
        return real(value)

    monkeypatch.setattr(documents, "_cpf_digits_valid", counted)
    punctuated = documents.format_cpf(str(debtor["document"]))
    bad = str(debtor["document"])[:-1] + str((int(str(debtor["document"])[-1]) + 1) % 10)
    body = {
        "items": [_item(punctuated, "P-1"), _item(debtor["document"], "P-2"), _item(bad, "P-3")]
    }
    response = company.post("/api/v1/items/batch", json=body)
    assert response.status_code == 200
    results = response.json["results"]
    assert [r["outcome"] for r in results] == ["created", "created", "error"]
    assert [e["code"] for e in results[2]["errors"]] == ["invalid_document"]
    assert len(checked) == 3  # one check-digit validation per item, not two
