"""Results per phase, step and variant: each stage counted once, credited to the right message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.core.audit import record_event
from portal.core.context import SYSTEM, Actor
from portal.domain.regua_copy import Channel
from portal.extensions import db
from portal.models import ActorType, OptOutSource, Payment, ReminderMessage
from portal.services.backoffice.kpis import Period
from portal.services.regua.funnel import _last_touch, funnel_rows_for_csv, regua_funnel
from portal.services.regua.optouts import opt_out
from tests.agreement_factories import create_agreement
from tests.factories import create_debtor

from .conftest import MONDAY, TUESDAY, at, company, item_due, run

pytestmark = pytest.mark.usefixtures("ctx")
WEEK = Period(MONDAY - timedelta(days=1), MONDAY + timedelta(days=5))


def test_every_stage_of_the_funnel(ctx: Path) -> None:
    creditor, _ = company()
    email_debtor, sms_debtor = create_debtor(), create_debtor()
    email_item = item_due(creditor, MONDAY - timedelta(days=20), debtor=email_debtor)
    item_due(creditor, MONDAY - timedelta(days=3), debtor=sms_debtor)
    assert run(at(MONDAY, 10)).sent == 2
    by_channel = {m.channel: m for m in db.session.scalars(sa.select(ReminderMessage))}
    email, sms = by_channel["email"], by_channel["sms"]
    debtor_actor = Actor(ActorType.DEBTOR, str(email_debtor.id))
    for action in ("link.opened", "link.used"):
        record_event(
            db.session,
            debtor_actor,
            action,
            subject=("access_link", email.access_link_id),
            creditor_id=creditor.id,
        )
    agreement = create_agreement(
        creditor=creditor,
        debtor=email_debtor,
        items=[email_item],
        accepted_at=at(MONDAY, 12).astimezone(UTC),
    )
    installment = agreement.installments[0]
    db.session.add(
        Payment(
            installment_id=installment.id,
            agreement_id=agreement.id,
            provider="sandbox",
            method="pix",
            attempt=1,
            idempotency_key="funnel-test-1",
            status="succeeded",
            amount_cents=installment.amount_cents,
            applied_cents=installment.amount_cents,
            succeeded_at=at(TUESDAY, 9).astimezone(UTC),
        )
    )
    opt_out(
        db.session,
        sms_debtor,
        Channel.SMS,
        source=OptOutSource.MESSAGE,
        actor=SYSTEM,
        now=at(MONDAY, 11),
        message=sms,
    )
    db.session.flush()

    funnel = regua_funnel(db.session, creditor.id, WEEK)
    rows = {row.step_key: row for row in funnel.rows}
    assert rows[email.step_key].counts == {
        "sent": 1,
        "delivered": 1,
        "opened": 1,
        "identified": 1,
        "agreement": 1,
        "paid": 1,
        "opted_out": 0,
    }
    assert rows["first_notice+1sms"].counts["opted_out"] == 1
    assert rows["first_notice+1sms"].counts["agreement"] == 0
    assert rows["first_notice+1sms"].rate("opted_out") == 100
    assert [p.phase.value for p in funnel.phases] == ["first_notice", "intensification"]
    assert funnel.total_sent == 2
    csv_rows = funnel_rows_for_csv(funnel)
    assert csv_rows[0][:4] == ["first_notice", "first_notice+1sms", "sms", "A"]
    # Outside the period: nothing.
    later = Period(MONDAY + timedelta(days=10), MONDAY + timedelta(days=20))
    assert regua_funnel(db.session, creditor.id, later).rows == []


def test_last_touch_credits_the_latest_message_before_the_event() -> None:
    t0 = datetime(2026, 9, 14, 13, tzinfo=UTC)
    sends = {7: [(t0, 1), (t0 + timedelta(days=7), 2)]}
    assert _last_touch(sends, [(7, t0 + timedelta(days=1))]) == {1}
    assert _last_touch(sends, [(7, t0 + timedelta(days=8))]) == {2}
    assert _last_touch(sends, [(7, t0 - timedelta(days=1))]) == set()
    assert _last_touch(sends, [(8, t0)]) == set()
    naive = (t0 + timedelta(days=1)).replace(tzinfo=None)  # SQLite aggregates come back naive
    assert _last_touch(sends, [(7, naive)]) == {1}
