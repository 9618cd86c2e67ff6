"""The credit-bureau flag on items and POST /items/{reference}/bureau-removal."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.core.clock import today_br
from portal.extensions import db
from portal.models import AuditEvent, OutboxEvent
from tests.api.conftest import Company
from tests.factories import next_cpf

PROBLEM = "application/problem+json"


def _reported_item(company: Company, reference: str, *, reported: bool | None = True) -> str:
    document = next_cpf()
    response = company.post("/api/v1/debtors", json={"document": document, "name": "Ana Lima"})
    assert response.status_code == 201, response.json
    item = {
        "external_reference": reference,
        "debtor_document": document,
        "description": "Fatura 09/2026",
        "amount_cents": 10_000,
        "due_date": (today_br() - timedelta(days=40)).isoformat(),
    }
    if reported is not None:
        item["bureau_reported"] = reported
    batch = company.post("/api/v1/items/batch", json={"items": [item]})
    assert batch.status_code == 200 and batch.json["created"] == 1, batch.json
    return document


def test_flag_then_payment_then_confirmation(company: Company) -> None:
    _reported_item(company, "NF-1")
    item = company.get("/api/v1/items/NF-1").json
    assert item["bureau_reported"] is True and item["bureau_removal"] is None
    paid = company.patch("/api/v1/items/NF-1", json={"status": "paid"})
    assert paid.status_code == 200
    removal = paid.json["bureau_removal"]
    assert removal["state"] == "waiting" and removal["removed_on"] is None
    assert removal["deadline"] > removal["paid_on"]
    assert paid.json["paid_at"] is not None

    done = company.post("/api/v1/items/NF-1/bureau-removal", json={})
    assert done.status_code == 200, done.json
    assert done.json["bureau_removal"]["state"] == "done"
    assert done.json["bureau_removal"]["removed_on"] == today_br().isoformat()
    again = company.post(
        "/api/v1/items/NF-1/bureau-removal",
        json={"removed_on": (today_br() - timedelta(days=1)).isoformat()},
    )
    assert again.status_code == 200
    assert again.json["bureau_removal"]["removed_on"] == today_br().isoformat()
    events = db.session.scalars(
        sa.select(OutboxEvent).where(
            OutboxEvent.type == "item.bureau_removed",
            OutboxEvent.creditor_id == company.creditor.id,
        )
    ).all()
    assert len(events) == 1 and events[0].data["external_reference"] == "NF-1"
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action == "item.bureau_removed",
                AuditEvent.creditor_id == company.creditor.id,
            )
        )
        == 1
    )


def test_problems(company: Company, other_company: Company) -> None:
    _reported_item(company, "NF-2")
    not_paid = company.post("/api/v1/items/NF-2/bureau-removal", json={})
    assert not_paid.status_code == 409 and not_paid.mimetype == PROBLEM
    assert not_paid.json["code"] == "item_not_paid" and not_paid.json["detail"]
    [error] = not_paid.json["errors"]  # the pt-BR text, like every other field error
    assert error["code"] == "item_not_paid" and error["message_pt"]
    company.patch("/api/v1/items/NF-2", json={"status": "paid"})
    future = company.post(
        "/api/v1/items/NF-2/bureau-removal",
        json={"removed_on": (today_br() + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 422 and future.json["code"] == "removal_in_future"
    bad = company.post("/api/v1/items/NF-2/bureau-removal", json={"removed_on": "ontem"})
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    extra = company.post("/api/v1/items/NF-2/bureau-removal", json={"by": "me"})
    assert extra.status_code == 422
    assert company.post("/api/v1/items/NOPE/bureau-removal", json={}).status_code == 404
    # Another company's key never reaches the item.
    foreign = other_company.post("/api/v1/items/NF-2/bureau-removal", json={})
    assert foreign.status_code == 404 and foreign.mimetype == PROBLEM

    _reported_item(company, "NF-3", reported=None)
    company.patch("/api/v1/items/NF-3", json={"status": "paid"})
    unreported = company.post("/api/v1/items/NF-3/bureau-removal", json={})
    assert unreported.status_code == 409 and unreported.json["code"] == "not_reported"


def test_flag_may_be_said_after_payment_but_not_withdrawn_after_removal(
    company: Company,
) -> None:
    document = _reported_item(company, "NF-4", reported=False)
    company.patch("/api/v1/items/NF-4", json={"status": "paid"})
    item = {
        "external_reference": "NF-4",
        "debtor_document": document,
        "description": "Fatura 09/2026",
        "amount_cents": 10_000,
        "due_date": (today_br() - timedelta(days=40)).isoformat(),
    }
    unchanged = company.post("/api/v1/items/batch", json={"items": [item]})
    assert unchanged.json["unchanged"] == 1
    flagged = company.post(
        "/api/v1/items/batch", json={"items": [{**item, "bureau_reported": True}]}
    )
    assert flagged.json["updated"] == 1, flagged.json
    assert company.get("/api/v1/items/NF-4").json["bureau_removal"]["state"] == "waiting"
    assert company.post("/api/v1/items/NF-4/bureau-removal", json={}).status_code == 200
    withdrawn = company.post(
        "/api/v1/items/batch", json={"items": [{**item, "bureau_reported": False}]}
    )
    result = withdrawn.json["results"][0]
    assert result["outcome"] == "error"
    assert result["errors"][0]["code"] == "bureau_removal_confirmed"
    # A change of value to a paid item is still refused.
    changed = company.post("/api/v1/items/batch", json={"items": [{**item, "amount_cents": 9_000}]})
    assert changed.json["results"][0]["errors"][0]["code"] == "item_locked"
