"""portal/services/disputes/delay.py: the delay reason per relationship and its counts."""

from __future__ import annotations

from flask import Flask

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.disputes import DelayReason
from portal.extensions import db
from portal.services.disputes import (
    count_by_reason,
    delay_reasons_by_debtor,
    delay_reasons_of,
    record_delay_reason,
)
from tests.access_helpers import events
from tests.factories import create_creditor, create_pending_item
from tests.journey_helpers import debt_world


def test_the_latest_reason_per_company_is_kept(app: Flask) -> None:
    world = debt_world()
    other = create_creditor()
    create_pending_item(creditor=other, debtor=world.debtor)
    record_delay_reason(
        db.session,
        world.creditor.id,
        world.debtor.id,
        DelayReason.FORGOT,
        actor=SYSTEM,
        now=now_utc(),
    )
    record_delay_reason(
        db.session,
        world.creditor.id,
        world.debtor.id,
        DelayReason.ILLNESS,
        actor=SYSTEM,
        now=now_utc(),
    )
    record_delay_reason(
        db.session, other.id, world.debtor.id, DelayReason.UNEMPLOYMENT, actor=SYSTEM, now=now_utc()
    )
    assert delay_reasons_of(db.session, world.debtor.id, [world.creditor.id]) == {
        world.creditor.id: "illness"
    }
    assert delay_reasons_of(db.session, world.debtor.id, []) == {}
    assert delay_reasons_by_debtor(db.session, other.id) == {world.debtor.id: "unemployment"}
    audit = events("debtor.delay_reason_recorded")
    assert [(e.creditor_id, e.details["reason"], e.details["previous"]) for e in audit] == [
        (world.creditor.id, "forgot", None),
        (world.creditor.id, "illness", "forgot"),
        (other.id, "unemployment", None),
    ]


def test_count_by_reason_lists_every_reason() -> None:
    assert count_by_reason(["forgot", "illness", "forgot"]) == {
        "unemployment": 0,
        "illness": 1,
        "income_drop": 0,
        "forgot": 2,
        "other": 0,
    }
