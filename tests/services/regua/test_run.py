"""The reminder job on a real database: once only, quiet hours, caps, opt-outs, stops."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.core.context import SYSTEM
from portal.domain.regua_copy import Channel
from portal.extensions import db
from portal.models import (
    AccessLink,
    AuditEvent,
    ItemStatus,
    MessageStatus,
    OptOutSource,
    OutboxEvent,
    ReminderMessage,
)
from portal.services.regua.optouts import opt_out
from tests.factories import contact_of, create_debtor

from .conftest import MONDAY, TUESDAY, at, company, item_due, outbox, run

pytestmark = pytest.mark.usefixtures("ctx")
DUE = MONDAY - timedelta(days=3)  # day +3 on Monday: the first-notice SMS is current


def messages() -> list[ReminderMessage]:
    return list(db.session.scalars(sa.select(ReminderMessage).order_by(ReminderMessage.id)))


def test_a_due_step_is_sent_once_and_a_rerun_sends_nothing(ctx: Path) -> None:
    creditor, version = company(trade_name="Luz & Cia")
    item = item_due(creditor, DUE, original_amount_cents=123_456)
    report = run(at(MONDAY, 10))
    assert report.line() == "sent=1 skipped_quiet_hours=0 skipped_cap=0 skipped_opt_out=0"
    [message] = messages()
    assert (message.pending_item_id, message.step_key, message.status) == (
        item.id,
        "first_notice+1sms",
        MessageStatus.DELIVERED,
    )
    assert message.idempotency_key == f"{item.id}:first_notice+1sms:2026-09-12"
    assert (message.local_date, message.day_slot, message.regua_version_id) == (
        MONDAY,
        1,
        version.id,
    )
    [sms] = outbox(ctx)
    assert sms.channel == "sms" and sms.to == contact_of(item.debtor).phone
    link = db.session.get(AccessLink, message.access_link_id)
    assert link is not None and link.creditor_id == creditor.id
    from portal.adapters.email.outbox import get_outbox_message

    text = get_outbox_message(ctx, sms.key).text or ""
    assert "R$ 1.234,56" in text and creditor.cnpj_formatted in text
    assert "Responda SAIR p/ parar" in text and "/a/" in text
    assert len(text.strip()) <= 160
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxEvent.type == "reminder.sent"))
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "reminder.sent"))
    again = run(at(MONDAY, 10))
    assert again.sent == 0 and len(outbox(ctx)) == 1 and len(messages()) == 1


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(MONDAY, 7, 59), False),
        (at(MONDAY, 20), False),
        (at(date(2026, 9, 19), 10), True),  # Saturday morning
        (at(date(2026, 9, 19), 14), False),  # Saturday afternoon
        (at(date(2026, 9, 20), 10), False),  # Sunday
        (at(date(2026, 9, 7), 10), False),  # Independência (a Monday)
    ],
)
def test_quiet_hours(moment: object, allowed: bool) -> None:
    creditor, _ = company()
    item_due(creditor, moment.date() - timedelta(days=3))  # type: ignore[attr-defined]
    report = run(moment)  # type: ignore[arg-type]
    assert (report.sent, report.skipped_quiet_hours) == ((1, 0) if allowed else (0, 1))
    assert len(messages()) == report.sent


def test_quiet_hours_are_the_debtors_own(ctx: Path) -> None:
    creditor, _ = company()
    acre = create_debtor(phone="+5568999990000")  # Rio Branco, two hours behind Brasília
    sao_paulo = create_debtor(phone="+5511999990000")
    item_due(creditor, DUE, debtor=acre)
    item_due(creditor, DUE, debtor=sao_paulo)
    report = run(at(MONDAY, 9, 30))  # 07:30 in Rio Branco
    assert (report.sent, report.skipped_quiet_hours) == (1, 1)
    [message] = messages()
    assert message.debtor_id == sao_paulo.id
    later = run(at(MONDAY, 10, 0, ZoneInfo("America/Rio_Branco")))
    assert later.sent == 1


def test_caps_count_every_company_together() -> None:
    first, _ = company()
    second, _ = company()
    third, _ = company()
    fourth, _ = company()
    debtor = create_debtor()
    for creditor in (first, second, third, fourth):
        item_due(creditor, DUE, debtor=debtor)
    monday = run(at(MONDAY, 10))
    assert (monday.sent, monday.skipped_cap) == (1, 3)
    assert run(at(MONDAY, 15)).sent == 0  # still one a day
    assert run(at(TUESDAY, 10)).sent == 1
    assert run(at(TUESDAY + timedelta(days=1), 10)).sent == 1
    thursday = run(at(TUESDAY + timedelta(days=2), 10))  # three this week already
    assert (thursday.sent, thursday.skipped_cap) == (0, 1)
    assert run(at(MONDAY + timedelta(days=7), 10)).sent == 1  # a week after the first
    sent = messages()
    assert [m.local_date for m in sent] == [MONDAY + timedelta(days=n) for n in (0, 1, 2, 7)]
    assert len({m.creditor_id for m in sent[:3]}) == 3
    # By then every item is in the next stage (+7, WhatsApp): the oldest debt goes first.
    assert sent[3].step_key == "intensification+7whatsapp"


def test_opt_out_per_channel_is_honoured_at_once(ctx: Path) -> None:
    creditor, _ = company()
    item = item_due(creditor, DUE)
    opt_out(
        db.session,
        item.debtor,
        Channel.SMS,
        source=OptOutSource.LGPD,
        actor=SYSTEM,
        now=at(MONDAY, 9),
    )
    report = run(at(MONDAY, 10))
    assert (report.sent, report.skipped_opt_out) == (0, 1)
    # The e-mail steps still go: the opt-out was for SMS only.
    later = item_due(creditor, MONDAY - timedelta(days=20), debtor=item.debtor)
    assert run(at(MONDAY, 11)).sent == 1
    assert messages()[0].pending_item_id == later.id and messages()[0].channel == "email"
    assert outbox(ctx)[0].channel == "email"


@pytest.mark.parametrize(
    "status", [ItemStatus.PAID, ItemStatus.IN_AGREEMENT, ItemStatus.DISPUTED, ItemStatus.CANCELLED]
)
def test_settled_items_get_nothing(status: ItemStatus) -> None:
    creditor, _ = company()
    item_due(creditor, DUE, status=status.value)
    report = run(at(MONDAY, 10))
    assert report.debtors == 0 and report.sent == 0 and messages() == []


def test_a_blocked_debtor_gets_nothing() -> None:
    creditor, _ = company()
    item = item_due(creditor, DUE)
    item.debtor.access_blocked_at = at(MONDAY, 8)
    report = run(at(MONDAY, 10))
    assert (report.sent, report.stopped) == (0, 1)


def test_no_contact_for_the_channel() -> None:
    creditor, _ = company()
    item_due(creditor, DUE, debtor=create_debtor(phone=None))
    report = run(at(MONDAY, 10))
    assert (report.sent, report.skipped_no_contact) == (0, 1)


def test_dry_run_writes_nothing(ctx: Path) -> None:
    creditor, _ = company()
    item_due(creditor, DUE)
    links = db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink))
    report = run(at(MONDAY, 10), dry_run=True)
    assert report.sent == 1
    assert messages() == [] and outbox(ctx) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink)) == links


def test_a_crash_after_reserving_never_sends_twice(
    ctx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creditor, _ = company()
    item_due(creditor, DUE)

    def crash(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("worker killed")

    monkeypatch.setattr("portal.services.regua.run.send_reserved", crash)
    with pytest.raises(RuntimeError):
        run(at(MONDAY, 10))
    db.session.rollback()
    [reserved] = messages()  # the reservation was committed before the send
    assert reserved.status == MessageStatus.PENDING
    monkeypatch.undo()
    assert run(at(MONDAY, 10)).sent == 0
    assert outbox(ctx) == [] and messages()[0].status == MessageStatus.PENDING


def test_batches_cover_every_debtor() -> None:
    creditor, _ = company()
    debtors = [create_debtor() for _ in range(7)]
    for debtor in debtors:
        item_due(creditor, DUE, debtor=debtor)
    report = run(at(MONDAY, 10), batch_size=2)
    assert (report.debtors, report.sent) == (7, 7)
    assert {m.debtor_id for m in messages()} == {d.id for d in debtors}


def test_a_paused_ruler_sends_nothing() -> None:
    from portal.services.regua.demo import demo_steps
    from portal.services.regua.rulers import Draft, publish_ruler

    creditor, _ = company()
    item_due(creditor, DUE)
    from portal.domain.regua_hours import SendingWindow

    publish_ruler(
        db.session, creditor, Draft(demo_steps(), SendingWindow(), enabled=False), actor=SYSTEM
    )
    assert run(at(MONDAY, 10)).debtors == 0


def test_the_instant_must_carry_a_zone() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="time zone"):
        run(datetime(2026, 9, 14, 10))


def test_an_opt_out_from_the_privacy_page_stops_that_company_only(ctx: Path) -> None:
    """ "Meus dados": SMS off for one company. That company's SMS is skipped at once; another
    company's SMS to the same person still goes; switching it back on sends it again."""
    from portal.services.privacy import set_preferences

    muted, _ = company()
    other, _ = company()
    debtor = create_debtor()
    mine = item_due(muted, DUE - timedelta(days=1), debtor=debtor)  # older: would go first
    theirs = item_due(other, DUE, debtor=debtor)
    changed = set_preferences(
        db.session,
        debtor,
        muted.id,
        {Channel.EMAIL: True, Channel.SMS: False, Channel.WHATSAPP: True},
        actor=SYSTEM,
        now=at(MONDAY, 9),
    )
    assert changed == [Channel.SMS]
    report = run(at(MONDAY, 10))
    assert (report.sent, report.skipped_opt_out) == (1, 1)
    [sent] = messages()
    assert (sent.pending_item_id, sent.channel) == (theirs.id, "sms")
    set_preferences(
        db.session, debtor, muted.id, {Channel.SMS: True}, actor=SYSTEM, now=at(MONDAY, 11)
    )
    assert run(at(TUESDAY, 10)).sent == 1
    assert messages()[-1].pending_item_id == mine.id


def test_a_debtors_dispute_stops_the_regua_until_rejected() -> None:
    from portal.core.context import Actor
    from portal.domain.disputes import DisputeOutcome, DisputeReason
    from portal.models import ActorType
    from portal.services.disputes import open_dispute, resolve_dispute
    from tests.access_helpers import make_staff

    creditor, _ = company()
    item = item_due(creditor, DUE)
    debtor = Actor(ActorType.DEBTOR, str(item.debtor_id))
    dispute = open_dispute(
        db.session,
        item,
        DisputeReason.NOT_MINE,
        "",
        attachment=None,
        actor=debtor,
        now=at(MONDAY, 9),
        today=MONDAY,
    )
    db.session.commit()
    report = run(at(MONDAY, 10))
    assert report.sent == 0 and messages() == []
    staff = make_staff(creditor)
    resolve_dispute(
        db.session,
        dispute,
        DisputeOutcome.REJECTED,
        "A dívida é sua, conferimos o contrato.",
        staff=staff,
        actor=Actor(ActorType.STAFF, str(staff.id)),
        now=at(MONDAY, 10),
    )
    db.session.commit()
    assert run(at(MONDAY, 11)).sent == 1
    assert [m.pending_item_id for m in messages()] == [item.id]


def test_a_dispute_between_reservation_and_send_stops_the_message(ctx: Path) -> None:
    from portal.core.context import Actor
    from portal.core.uow import unit_per_step
    from portal.domain.disputes import DisputeReason
    from portal.models import ActorType
    from portal.services.disputes import open_dispute
    from portal.services.regua.run import RunReport, reminder_steps

    creditor, _ = company()
    item = item_due(creditor, DUE)
    report = RunReport()
    disputed = False
    for _step in unit_per_step(reminder_steps(db.session, at(MONDAY, 10), report), db.session):
        if not disputed:  # the reservation is committed: right now, the debtor disputes
            open_dispute(
                db.session,
                db.session.get_one(type(item), item.id),
                DisputeReason.ALREADY_PAID,
                "",
                attachment=None,
                actor=Actor(ActorType.DEBTOR, str(item.debtor_id)),
                now=at(MONDAY, 10),
                today=MONDAY,
            )
            db.session.commit()
            disputed = True
    assert (report.sent, report.failed) == (0, 1)
    [message] = messages()
    assert message.status == MessageStatus.FAILED
    assert message.error == "stopped: the item is disputed"
    assert outbox(ctx) == []
