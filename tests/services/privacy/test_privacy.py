"""The privacy context: the export for one company, the deadline, and preferences on top of
the régua's opt-outs (for every company, or for one)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask

from portal.core.context import SYSTEM
from portal.domain.regua_copy import Channel
from portal.extensions import db
from portal.models import DataRequestField, OptOutSource
from portal.services.privacy import (
    RequestError,
    due_on,
    export_data,
    is_overdue,
    request_correction,
    set_preferences,
)
from portal.services.regua import Preference, opt_out, opted_out, preferences
from tests.factories import create_creditor, create_pending_item, relate
from tests.journey_helpers import debt_world, make_agreement

pytestmark = pytest.mark.usefixtures("app")
NOW = datetime(2026, 9, 14, 13, 0, tzinfo=UTC)


def test_the_deadline_is_15_calendar_days_in_brasilia() -> None:
    assert due_on(datetime(2026, 9, 14, 13, 0, tzinfo=UTC)) == date(2026, 9, 29)
    # 01:00 UTC on the 15th is still the 14th in Brasília.
    assert due_on(datetime(2026, 9, 15, 1, 0, tzinfo=UTC)) == date(2026, 9, 29)


def test_overdue_only_while_open_and_after_the_deadline(app: Flask) -> None:
    world = debt_world()
    row = request_correction(
        db.session, world.creditor, world.debtor, DataRequestField.OTHER, "x", actor=SYSTEM, now=NOW
    )
    assert not is_overdue(row, date(2026, 9, 29))
    assert is_overdue(row, date(2026, 9, 30))
    row.status = "done"
    assert not is_overdue(row, date(2026, 9, 30))
    with pytest.raises(RequestError):
        request_correction(
            db.session,
            world.creditor,
            world.debtor,
            DataRequestField.OTHER,
            " ",
            actor=SYSTEM,
            now=NOW,
        )


def test_the_export_holds_one_companys_data_only(app: Flask) -> None:
    world = debt_world(amounts=(40_000,))
    relate(world.creditor, world.debtor, email="a@credora.example", phone="+5511999990000")
    other = create_creditor(trade_name="Outra")
    create_pending_item(creditor=other, debtor=world.debtor, description="Da outra")
    db.session.commit()
    agreement = make_agreement(world, payment_count=2)
    data = export_data(db.session, world.creditor, world.debtor, now=NOW)
    assert data["company"]["name"] == world.creditor.legal_name
    assert data["person"]["document_masked"] == world.debtor.document_masked
    assert data["contact"]["phone"] == "+5511999990000"
    assert [i["description"] for i in data["pending_items"]] == ["Conta 1"]
    [exported] = data["agreements"]
    assert exported["id"] == agreement.id and exported["total_cents"] == agreement.total_cents
    assert [i["number"] for i in exported["installments"]] == [
        i.number for i in sorted(agreement.installments, key=lambda i: i.number)
    ]
    assert sum(i["amount_cents"] for i in exported["installments"]) == agreement.total_cents
    assert {d["kind"] for d in data["documents"]} >= {"terms"}
    assert data["payments"] == []


def test_preferences_add_a_company_opt_out_and_turning_on_clears_every_company_one(
    app: Flask,
) -> None:
    world = debt_world()
    other = create_creditor()
    opt_out(
        db.session, world.debtor, Channel.EMAIL, source=OptOutSource.MESSAGE, actor=SYSTEM, now=NOW
    )
    set_preferences(
        db.session, world.debtor, world.creditor.id, {Channel.SMS: False}, actor=SYSTEM, now=NOW
    )
    states = preferences(db.session, world.debtor.id, world.creditor.id)
    assert states == {
        Channel.EMAIL: Preference.OFF_EVERYWHERE,
        Channel.SMS: Preference.OFF_HERE,
        Channel.WHATSAPP: Preference.ON,
    }
    assert opted_out(db.session, world.debtor.id, other.id) == {Channel.EMAIL}
    assert opted_out(db.session, world.debtor.id, world.creditor.id) == {Channel.EMAIL, Channel.SMS}
    # Unchanged wishes change nothing; turning e-mail on removes the "every company" opt-out.
    changed = set_preferences(
        db.session,
        world.debtor,
        world.creditor.id,
        {Channel.EMAIL: True, Channel.SMS: False, Channel.WHATSAPP: True},
        actor=SYSTEM,
        now=NOW,
    )
    assert changed == [Channel.EMAIL]
    assert opted_out(db.session, world.debtor.id, other.id) == set()
    assert opted_out(db.session, world.debtor.id, world.creditor.id) == {Channel.SMS}
