"""Removal from the credit bureaus after payment: the tracker of each reported item, the
company's confirmation (audit and ``item.bureau_removed``), and the overdue list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.clock import BRASILIA, today_br
from portal.core.context import SYSTEM
from portal.domain.bureau import RemovalState, removal_deadline
from portal.domain.calendar import anbima_calendar
from portal.extensions import db
from portal.models import Agreement, AuditEvent, ItemStatus, OutboxEvent
from portal.services.integration import set_item_status
from portal.services.negotiation import (
    RemovalRefused,
    agreement_removals,
    confirm_removal,
    debtor_removals,
    overdue_removal_count,
    record_payment,
    removal_of,
    unconfirmed_removals,
)
from tests.journey_helpers import World, debt_world, make_agreement


def _paid_world(days_ago: int, *, reported: bool = True) -> tuple[World, Agreement]:
    """A à vista agreement paid ``days_ago`` days ago; its first item reported to a bureau."""
    world = debt_world()
    world.items[0].bureau_reported = reported
    db.session.commit()
    agreement = make_agreement(world, payment_count=1)
    installment = agreement.installments[0]
    paid_at = datetime.now(UTC) - timedelta(days=days_ago)
    record_payment(db.session, installment, installment.amount_cents, paid_at=paid_at, actor=SYSTEM)
    db.session.commit()
    return world, agreement


def _day(moment: datetime) -> date:
    return moment.astimezone(BRASILIA).date()


def test_quitacao_starts_the_tracker_of_reported_items_only(app: Flask) -> None:
    world, agreement = _paid_world(1)
    reported, other = world.items
    assert reported.status == ItemStatus.PAID and other.status == ItemStatus.PAID
    assert reported.paid_at is not None and other.paid_at is not None
    tracked = agreement_removals(agreement, today_br())
    assert [t.item.id for t in tracked] == [reported.id]
    status = tracked[0].status
    assert status.state is RemovalState.WAITING
    assert status.deadline == removal_deadline(_day(reported.paid_at), anbima_calendar())
    assert removal_of(other, today_br()) is None


def test_confirming_records_audit_and_integration_event_once(app: Flask) -> None:
    world, _agreement = _paid_world(2)
    item = world.items[0]
    today = today_br()
    status = confirm_removal(db.session, item, today, actor=SYSTEM, today=today)
    db.session.commit()
    assert status.state is RemovalState.DONE and status.confirmed_on == today
    assert item.bureau_removed_on == today
    again = confirm_removal(db.session, item, today - timedelta(days=1), actor=SYSTEM, today=today)
    db.session.commit()
    assert again.confirmed_on == today  # the first confirmation stands
    audits = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "item.bureau_removed")
    ).all()
    assert [(a.subject_id, a.creditor_id) for a in audits] == [(str(item.id), item.creditor_id)]
    assert audits[0].details["removed_on"] == today.isoformat()
    events = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "item.bureau_removed")
    ).all()
    assert len(events) == 1
    assert events[0].creditor_id == world.creditor.id
    assert events[0].data["external_reference"] == item.external_reference
    assert events[0].data["removed_on"] == today.isoformat()
    assert events[0].data["days_late"] == 0


def test_a_late_confirmation_is_done_late(app: Flask) -> None:
    world, _agreement = _paid_world(20)
    item = world.items[0]
    today = today_br()
    assert removal_of(item, today).state is RemovalState.OVERDUE  # type: ignore[union-attr]
    status = confirm_removal(db.session, item, today, actor=SYSTEM, today=today)
    assert status.state is RemovalState.DONE_LATE and status.days_late > 0


def test_refusals(app: Flask) -> None:
    world, _agreement = _paid_world(2)
    item, unreported = world.items
    today = today_br()
    with pytest.raises(RemovalRefused) as refused:
        confirm_removal(db.session, unreported, today, actor=SYSTEM, today=today)
    assert (refused.value.message.code, refused.value.status) == ("not_reported", 409)
    with pytest.raises(RemovalRefused) as refused:
        confirm_removal(db.session, item, today + timedelta(days=1), actor=SYSTEM, today=today)
    assert (refused.value.message.code, refused.value.status) == ("removal_in_future", 422)
    early = item.original_due_date - timedelta(days=1)
    with pytest.raises(RemovalRefused) as refused:
        confirm_removal(db.session, item, early, actor=SYSTEM, today=today)
    assert refused.value.message.code == "removal_before_due_date"
    open_world = debt_world()
    open_world.items[0].bureau_reported = True
    with pytest.raises(RemovalRefused) as refused:
        confirm_removal(db.session, open_world.items[0], today, actor=SYSTEM, today=today)
    assert (refused.value.message.code, refused.value.status) == ("item_not_paid", 409)
    assert item.bureau_removed_on is None


def test_overdue_list_and_count_per_company(app: Flask) -> None:
    late_world, _ = _paid_world(20)
    fresh_world, _ = _paid_world(1)
    today = today_br()
    mine = {late_world.creditor.id, fresh_world.creditor.id}
    overdue = unconfirmed_removals(db.session, mine, today, overdue_only=True)
    assert [r.item.id for r in overdue] == [late_world.items[0].id]
    assert overdue[0].status.days_late > 0
    every = unconfirmed_removals(db.session, mine, today)
    assert {r.item.id for r in every} == {late_world.items[0].id, fresh_world.items[0].id}
    assert overdue_removal_count(db.session, mine, today) == 1
    assert overdue_removal_count(db.session, {fresh_world.creditor.id}, today) == 0
    assert overdue_removal_count(db.session, set(), today) == 0
    assert overdue_removal_count(db.session, None, today) >= 1
    confirm_removal(db.session, late_world.items[0], today, actor=SYSTEM, today=today)
    assert overdue_removal_count(db.session, mine, today) == 0


def test_debtor_sees_only_proved_companies_and_recent_confirmations(app: Flask) -> None:
    world, _ = _paid_world(3)
    today = today_br()
    debtor_id = world.debtor.id
    assert [
        r.item.id for r in debtor_removals(db.session, debtor_id, {world.creditor.id}, today)
    ] == [world.items[0].id]
    assert debtor_removals(db.session, debtor_id, set(), today) == []
    assert debtor_removals(db.session, debtor_id, {world.creditor.id + 999}, today) == []
    world.items[0].bureau_removed_on = today - timedelta(days=31)
    assert debtor_removals(db.session, debtor_id, {world.creditor.id}, today) == []


def test_marked_paid_by_the_company_starts_the_tracker(app: Flask) -> None:
    world = debt_world()
    item = world.items[0]
    item.bureau_reported = True
    set_item_status(db.session, item, ItemStatus.PAID.value, actor=SYSTEM)
    db.session.commit()
    assert item.paid_at is not None
    status = removal_of(item, today_br())
    assert status is not None and status.state is RemovalState.WAITING
