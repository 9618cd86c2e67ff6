"""Agreements and payments feeds: cursor pagination, updated_since, tenant isolation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask

from portal.adapters.payments.base import ProviderEvent
from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.payments import PaymentStatus
from portal.extensions import db
from portal.services.payments import process_event, provider, start_payment
from tests.api.conftest import Company, company_for
from tests.factories import create_debtor, create_pending_item
from tests.journey_helpers import World, debt_world, make_agreement


def _pay_first(app: Flask, agreement_id: int, installment_id: int) -> int:
    with app.app_context():
        payment = start_payment(db.session, installment_id, "pix", actor=SYSTEM, now=now_utc())
        db.session.commit()
        reported = provider().simulate_success(str(payment.provider_ref), now_utc()).payment
        reported = replace(
            reported, status=PaymentStatus.SUCCEEDED, amount_received_cents=payment.amount_cents
        )
        event = ProviderEvent(
            event_id=f"evt_api_{agreement_id}",
            type="payment_intent.succeeded",
            created=now_utc(),
            payment=reported,
        )
        process_event(db.session, "sandbox", event, now=now_utc())
        db.session.commit()
        return payment.id


def test_agreements_feed_pages_with_a_cursor(app: Flask, other_company: Company) -> None:
    world = debt_world(amounts=(40_000,))
    owner = company_for(app, world.creditor)
    agreements = [make_agreement(world, payment_count=2)]
    for amount in (30_000, 20_000):
        person = create_debtor()
        item = create_pending_item(
            creditor=world.creditor,
            debtor=person,
            original_amount_cents=amount,
            original_due_date=world.items[0].original_due_date,
        )
        db.session.commit()
        agreements.append(make_agreement(World(world.creditor, person, [item]), payment_count=2))
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        query = "limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = owner.get(f"/api/v1/agreements?{query}").json
        seen += [a["id"] for a in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(a.id for a in agreements)
    one = owner.get(f"/api/v1/agreements/{agreements[0].id}").json
    assert one["installments"][0]["number"] == 0
    assert len(one["offer_digest"]) == 64
    assert one["items"] == [world.items[0].external_reference]
    assert other_company.get(f"/api/v1/agreements/{agreements[0].id}").status_code == 404
    assert other_company.get("/api/v1/agreements").json["data"] == []


def test_a_payment_moves_the_agreement_in_the_feed(app: Flask, other_company: Company) -> None:
    world = debt_world()
    owner = company_for(app, world.creditor)
    agreement = make_agreement(world, payment_count=3)
    before = now_utc() - timedelta(seconds=1)
    since = before.isoformat().replace("+00:00", "Z")
    payment_id = _pay_first(app, agreement.id, agreement.installments[0].id)
    changed = owner.get("/api/v1/agreements", query_string={"updated_since": since}).json
    assert [a["id"] for a in changed["data"]] == [agreement.id]
    assert changed["data"][0]["installments"][0]["status"] == "paid"
    payments = owner.get("/api/v1/payments", query_string={"updated_since": since}).json["data"]
    assert [p["id"] for p in payments] == [payment_id]
    assert payments[0]["applied_cents"] == agreement.installments[0].amount_cents
    assert owner.get(f"/api/v1/payments/{payment_id}").json["method"] == "pix"
    assert other_company.get(f"/api/v1/payments/{payment_id}").status_code == 404
    later = owner.get(
        "/api/v1/payments", query_string={"updated_since": now_utc().isoformat()}
    ).json["data"]
    assert later == []


def test_bad_query_values(company: Company) -> None:
    assert company.get("/api/v1/agreements?limit=0").status_code == 422
    for since in ("ontem", "0.5", "1764064800", "2026-01-01", "2026-01-01T00:00:00"):
        refused = company.get("/api/v1/payments", query_string={"updated_since": since})
        assert refused.status_code == 422, since  # not a date-time with a time zone
        (error,) = refused.json["errors"]
        assert error["field"] == "updated_since" and error["code"] == "invalid_date_time"
        assert "fuso" in error["message_pt"] and "zone" in error["message"]
    for since in (
        "2026-01-01T00:00:00Z",
        "2026-01-01t00:00:00.1234567-03:00",
        "0001-01-01T00:00:00+14:00",
    ):
        assert (
            company.get("/api/v1/payments", query_string={"updated_since": since}).status_code
            == 200
        )


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "",
        "MjAyNi0xMS0yNVQxMD",
        "0" * 200,
        "066116e3d98a4080000002a",
        "066116e3d98a4080000002AB",
    ],
)
def test_a_cursor_we_did_not_issue_is_a_coded_400(company: Company, cursor: str) -> None:
    refused = company.get("/api/v1/agreements", query_string={"cursor": cursor})
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "invalid_cursor"
    assert refused.json["title"] and refused.json["detail"]


def test_an_early_payment_in_the_feeds(app: Flask) -> None:
    from portal.services.payments import start_early_payment

    world = debt_world(policy="horizonte", amounts=(150_000, 90_000), days_late=90)
    owner = company_for(app, world.creditor)
    agreement = make_agreement(world, payment_count=3)
    _pay_first(app, agreement.id, agreement.installments[0].id)
    later = now_utc() + timedelta(days=20)
    with app.app_context():
        payment = start_early_payment(
            db.session, agreement.id, "settlement", None, "pix", actor=SYSTEM, now=later
        )
        db.session.commit()
        reported = provider().simulate_success(str(payment.provider_ref), later).payment
        reported = replace(
            reported, status=PaymentStatus.SUCCEEDED, amount_received_cents=payment.amount_cents
        )
        process_event(
            db.session,
            "sandbox",
            ProviderEvent("evt_api_early", "payment_intent.succeeded", later, reported),
            now=later,
        )
        db.session.commit()
        payment_id, discount = payment.id, payment.discount_cents
    body = owner.get(f"/api/v1/payments/{payment_id}").json
    assert body["kind"] == "settlement"
    assert body["installment_numbers"] == [1, 2]
    assert body["installment_number"] == 1
    assert body["discount_cents"] == discount > 0
    one = owner.get(f"/api/v1/agreements/{agreement.id}").json
    assert one["state"] == "completed"
    assert sum(i["discount_cents"] for i in one["installments"]) == discount
    assert one["installments"][0]["discount_cents"] == 0  # the entrada, paid on time
