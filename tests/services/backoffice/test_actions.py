"""portal/services/backoffice/actions.py and staff_debtor.py: what staff do and see, in services."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import DBAPIError

from portal.core.after_commit import pending_callbacks
from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM, Actor
from portal.core.formatting import brl
from portal.domain.agreements import allocate
from portal.extensions import db
from portal.models import (
    ActorType,
    Agreement,
    DebtorNote,
    ImmutableNoteError,
    ItemStatus,
    OutboxEvent,
    StaffRole,
)
from portal.services.backoffice import (
    StaffActionError,
    add_note,
    cancel_agreement_by_staff,
    dispute_item,
    items_in_scope,
    notes_in_scope,
    resolve_item,
    reveal_document,
    timeline,
)
from portal.services.negotiation import record_payment
from tests.access_helpers import events, make_staff
from tests.factories import contact_of, create_creditor, create_pending_item
from tests.journey_helpers import debt_world, make_agreement
from tests.smtp_server import SmtpServer

STAFF = Actor(ActorType.STAFF, "1", ip="198.51.100.4")
now = now_utc


def _pay(agreement: Agreement, number: int) -> int:
    installment = agreement.installments[number]
    record_payment(
        db.session, installment, installment.amount_cents, paid_at=now_utc(), actor=SYSTEM
    )
    db.session.commit()
    return installment.amount_cents


def test_staff_cancel_reopens_items_and_credits_what_was_paid(
    smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world(amounts=(30_000, 10_000))
    agreement = make_agreement(world, payment_count=4)
    paid = _pay(agreement, 0) + _pay(agreement, 1)
    weights = [
        link.balance_cents
        for link in sorted(agreement.items, key=lambda link: link.pending_item_id)
    ]
    before = len(smtp_server.received)
    cancel_agreement_by_staff(
        db.session, agreement.id, "  o devedor   pediu\n por telefone ", actor=STAFF, now=now_utc()
    )
    assert len(smtp_server.received) == before  # the e-mail waits for the commit
    db.session.commit()
    message = smtp_server.wait_for(before + 1)[-1]
    assert message["Subject"] == f"Acordo nº {agreement.id} cancelado"
    assert message["To"] == contact_of(world.debtor).email
    text = message.get_body(("plain",)).get_content()
    assert "O cancelamento foi feito pela empresa" in text
    assert "Se você não pediu" not in text
    expected = f"O que você já pagou, {brl(paid)}, foi abatido".replace("\xa0", " ")
    assert expected in " ".join(text.split())
    db.session.expire_all()
    cancelled = db.session.get(Agreement, agreement.id)
    assert cancelled.state == "cancelled"
    assert cancelled.end_reason == "o devedor pediu por telefone"
    links = sorted(cancelled.items, key=lambda link: link.pending_item_id)
    assert [link.credited_cents for link in links] == list(allocate(paid, weights))
    for link in links:
        assert link.pending_item.status == ItemStatus.OPEN
        assert link.pending_item.credited_cents == link.credited_cents
    assert [i.status for i in cancelled.installments] == ["paid", "paid", "cancelled", "cancelled"]
    [event] = events("agreement.cancelled")
    assert event.details["reason"] == "o devedor pediu por telefone"
    assert (event.actor_type, event.actor_id, event.ip) == ("staff", "1", "198.51.100.4")
    outbox = db.session.scalars(sa.select(OutboxEvent.type)).all()
    assert outbox.count("agreement.cancelled") == 1


def test_a_rolled_back_cancel_sends_nothing(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    agreement = make_agreement(debt_world(), payment_count=2)
    before = len(smtp_server.received)
    cancel_agreement_by_staff(
        db.session, agreement.id, "motivo qualquer", actor=STAFF, now=now_utc()
    )
    assert pending_callbacks(db.session) > 0
    db.session.rollback()
    assert pending_callbacks(db.session) == 0
    db.session.commit()
    assert len(smtp_server.received) == before
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).state == "awaiting_down_payment"


@pytest.mark.parametrize("reason", ["", "curt", "x" * 301, "   \n   "])
def test_cancel_needs_a_reason(app: Flask, reason: str) -> None:
    agreement = make_agreement(debt_world(), payment_count=2)
    with pytest.raises(StaffActionError) as refused:
        cancel_agreement_by_staff(db.session, agreement.id, reason, actor=STAFF, now=now_utc())
    assert refused.value.reason == "reason_length"


def test_a_finished_agreement_cannot_be_cancelled(app: Flask) -> None:
    agreement = make_agreement(debt_world(amounts=(20_000,)), payment_count=1)
    _pay(agreement, 0)
    assert db.session.get(Agreement, agreement.id).state == "completed"
    with pytest.raises(StaffActionError) as refused:
        cancel_agreement_by_staff(
            db.session, agreement.id, "motivo qualquer", actor=STAFF, now=now_utc()
        )
    assert refused.value.reason == "not_open"


def test_dispute_and_resolve(app: Flask) -> None:
    world = debt_world(amounts=(20_000, 10_000))
    item = world.items[0]
    dispute_item(db.session, item, actor=STAFF)
    assert item.status == ItemStatus.DISPUTED
    [outbox] = db.session.scalars(sa.select(OutboxEvent)).all()
    assert (outbox.type, outbox.creditor_id) == ("item.disputed", world.creditor.id)
    assert outbox.data["item"]["debtor"]["document_masked"].startswith("***.")
    with pytest.raises(StaffActionError) as twice:
        dispute_item(db.session, item, actor=STAFF)
    assert twice.value.reason == "not_open"
    resolve_item(db.session, item, actor=STAFF)
    assert item.status == ItemStatus.OPEN
    with pytest.raises(StaffActionError) as not_disputed:
        resolve_item(db.session, item, actor=STAFF)
    assert not_disputed.value.reason == "not_disputed"
    assert [e.action for e in events("item.disputed") + events("item.resolved")] == [
        "item.disputed",
        "item.resolved",
    ]


def test_an_item_in_an_agreement_is_not_disputed(app: Flask) -> None:
    world = debt_world()
    make_agreement(world, payment_count=2)
    item = world.items[0]
    with pytest.raises(StaffActionError) as refused:
        dispute_item(db.session, item, actor=STAFF)
    assert refused.value.reason == "in_agreement"
    assert item.status == ItemStatus.IN_AGREEMENT
    assert db.session.scalars(sa.select(OutboxEvent.type)).all().count("item.disputed") == 0


def test_reveal_keeps_only_the_mask_in_the_audit(app: Flask) -> None:
    world = debt_world()
    assert reveal_document(db.session, world.debtor, actor=STAFF) == world.debtor.document
    db.session.flush()
    [event] = events("debtor.document_revealed")
    assert event.details == {"document": world.debtor.document_masked}


def test_notes_are_append_only(app: Flask) -> None:
    world = debt_world()
    author = make_staff(world.creditor)
    note = add_note(
        db.session,
        world.debtor,
        world.creditor,
        author,
        " ligar amanhã ",
        actor=STAFF,
        now=now_utc(),
    )
    db.session.flush()
    assert note.text == "ligar amanhã"
    note.text = "apagado"
    with pytest.raises(ImmutableNoteError):
        db.session.flush()
    db.session.rollback()
    note = add_note(
        db.session, world.debtor, world.creditor, author, "outra", actor=STAFF, now=now_utc()
    )
    db.session.flush()
    table = DebtorNote.__table__
    for statement in (
        sa.update(table).where(table.c.id == note.id).values(text="mudado"),
        sa.delete(table).where(table.c.id == note.id),
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(statement)
    with pytest.raises(StaffActionError):
        add_note(
            db.session, world.debtor, world.creditor, author, "x" * 2001, actor=STAFF, now=now_utc()
        )


def test_reads_stay_within_scope(app: Flask) -> None:
    world = debt_world(amounts=(20_000,), days_late=40)
    other = create_creditor(trade_name="Outra")
    theirs = create_pending_item(creditor=other, debtor=world.debtor)
    agent = make_staff(world.creditor, role=StaffRole.AGENT)
    outsider = make_staff(other, role=StaffRole.AGENT, email="outro@example.com")
    add_note(db.session, world.debtor, world.creditor, agent, "nota A", actor=STAFF, now=now_utc())
    add_note(db.session, world.debtor, other, outsider, "nota B", actor=STAFF, now=now_utc())
    dispute_item(db.session, theirs, actor=STAFF)
    reveal_document(db.session, world.debtor, actor=STAFF)  # no creditor: the debtor's own
    db.session.flush()
    [group] = items_in_scope(db.session, agent, world.debtor, today_br())
    assert group.creditor.id == world.creditor.id
    [row] = group.rows
    # the balance is the domain's updated balance: 2 % multa and 1 % a month for 40 days
    assert row.balance is not None
    assert row.balance.total_cents == 20_000 + 400 + 267  # 20 000 × 1 % × 40/30 = 266,67
    assert [n.text for n in notes_in_scope(db.session, agent, world.debtor)] == ["nota A"]
    actions = [e.action for e in timeline(db.session, agent, world.debtor).events]
    assert "item.disputed" not in actions
    assert actions[:2] == ["debtor.document_revealed", "debtor.note_added"]
    theirs_actions = [e.action for e in timeline(db.session, outsider, world.debtor).events]
    assert theirs_actions[:3] == ["debtor.document_revealed", "item.disputed", "debtor.note_added"]
    page = timeline(db.session, agent, world.debtor, page=99, per_page=1)
    assert (page.page, page.pages) == (page.total, page.total)
