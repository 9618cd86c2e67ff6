"""portal/services/disputes: opening and answering a dispute, in the caller's unit of work,
with the audit record, the company's events and the debtor's e-mail after commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.after_commit import pending_callbacks
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.domain.disputes import (
    AttachmentProblem,
    AttachmentRefused,
    DisputeOutcome,
    DisputeReason,
)
from portal.extensions import db
from portal.models import ActorType, ItemDispute, ItemStatus, OutboxEvent, PendingItem
from portal.services.disputes import DisputeError, open_dispute, resolve_dispute
from portal.services.negotiation import NothingToNegotiate, create_offer, open_items
from tests.access_helpers import events, make_staff
from tests.dispute_helpers import EXE, PDF
from tests.factories import contact_of
from tests.journey_helpers import World, debt_world, make_agreement
from tests.smtp_server import SmtpServer

DEBTOR = Actor(ActorType.DEBTOR, "7", ip="203.0.113.9")
STAFF = Actor(ActorType.STAFF, "1", ip="198.51.100.4")
MONDAY = date(2026, 12, 21)


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    """The resolution e-mail reads BASE_URL and the catalogue, as inside a request."""
    with app.app_context():
        yield


def _open(world: World, item: PendingItem | None = None, **kwargs: object) -> ItemDispute:
    values: dict[str, object] = {
        "attachment": None,
        "actor": DEBTOR,
        "now": now_utc(),
        "today": MONDAY,
    }
    values.update(kwargs)
    return open_dispute(
        db.session,
        item or world.items[0],
        DisputeReason.WRONG_AMOUNT,
        "  cobraram duas vezes  ",
        **values,  # type: ignore[arg-type]
    )


def _outbox(kind: str) -> list[OutboxEvent]:
    return list(db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.type == kind)))


def test_opening_takes_the_item_out_of_negotiation(app: Flask) -> None:
    world = debt_world(amounts=(30_000,))
    dispute = _open(world, attachment=PDF)
    db.session.commit()
    item = world.items[0]
    assert item.status == ItemStatus.DISPUTED
    assert dispute.due_on == date(2027, 1, 6)  # 10 business days, Christmas and 1 Jan skipped
    assert dispute.details == "cobraram duas vezes"
    assert (dispute.attachment_type, dispute.attachment_size) == ("application/pdf", len(PDF))
    assert open_items(db.session, world.debtor.id) == []
    with pytest.raises(NothingToNegotiate):
        create_offer(
            db.session,
            world.debtor,
            world.creditor.id,
            None,
            first_due_date=MONDAY,
            down_payment_cents=None,
            today=MONDAY,
            actor=DEBTOR,
        )
    [audit] = events("item.disputed")
    assert (audit.actor_type, audit.ip, audit.creditor_id) == (
        "debtor",
        "203.0.113.9",
        world.creditor.id,
    )
    assert audit.details == {
        "debtor_id": world.debtor.id,
        "dispute_id": dispute.id,
        "reason": "wrong_amount",
        "has_attachment": True,
        "answer_due_on": "2027-01-06",
    }
    [event] = _outbox("item.disputed")
    assert event.creditor_id == world.creditor.id
    assert event.data == {
        "item": {
            "external_reference": item.external_reference,
            "status": "disputed",
            "original_amount_cents": 30_000,
            "debtor": {"document_masked": world.debtor.document_masked},
        },
        "dispute": {
            "id": dispute.id,
            "reason": "wrong_amount",
            "details": "cobraram duas vezes",
            "status": "open",
            "opened_at": dispute.opened_at.isoformat(),
            "answer_due_on": "2027-01-06",
            "has_attachment": True,
            "outcome": None,
            "answer": None,
            "resolved_at": None,
        },
    }
    assert world.debtor.document not in str(event.data)


def test_a_refused_attachment_changes_nothing(app: Flask) -> None:
    world = debt_world(amounts=(30_000,))
    with pytest.raises(AttachmentRefused) as refused:
        _open(world, attachment=EXE)
    assert refused.value.problem is AttachmentProblem.WRONG_TYPE
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(PendingItem, world.items[0].id).status == ItemStatus.OPEN
    assert _outbox("item.disputed") == [] and events("item.disputed") == []


def test_only_an_open_item_can_be_disputed(app: Flask) -> None:
    world = debt_world(amounts=(30_000, 10_000))
    _open(world)
    with pytest.raises(DisputeError) as twice:
        _open(world)
    assert twice.value.reason == "not_open"
    agreement = make_agreement(World(world.creditor, world.debtor, [world.items[1]]), 1)
    with pytest.raises(DisputeError) as in_agreement:
        _open(world, db.session.get(PendingItem, agreement.items[0].pending_item_id))
    assert in_agreement.value.reason == "not_open"
    with pytest.raises(DisputeError) as too_long:
        open_dispute(
            db.session,
            world.items[1],
            DisputeReason.OTHER,
            "x" * 1001,
            attachment=None,
            actor=DEBTOR,
            now=now_utc(),
            today=MONDAY,
        )
    assert too_long.value.reason == "details_length"
    assert len(db.session.scalars(sa.select(ItemDispute)).all()) == 1


@pytest.mark.parametrize(
    ("outcome", "amount", "status", "cents"),
    [
        (DisputeOutcome.CANCELLED, None, ItemStatus.CANCELLED, 30_000),
        (DisputeOutcome.ADJUSTED, 12_500, ItemStatus.OPEN, 12_500),
        (DisputeOutcome.REJECTED, None, ItemStatus.OPEN, 30_000),
    ],
)
def test_the_answer_moves_the_item(
    smtp_app: Flask,
    smtp_server: SmtpServer,
    outcome: DisputeOutcome,
    amount: int | None,
    status: ItemStatus,
    cents: int,
) -> None:
    world = debt_world(amounts=(30_000,))
    staff = make_staff(world.creditor)
    dispute = _open(world)
    db.session.commit()
    before = len(smtp_server.received)
    resolve_dispute(
        db.session,
        dispute,
        outcome,
        "  Conferimos   o contrato. ",
        staff=staff,
        actor=STAFF,
        now=now_utc(),
        adjusted_amount_cents=amount,
    )
    assert pending_callbacks(db.session) > 0 and len(smtp_server.received) == before
    db.session.commit()
    message = smtp_server.wait_for(before + 1)[-1]
    assert message["To"] == contact_of(world.debtor).email
    body = " ".join(message.get_body(("plain",)).get_content().split())
    assert "Resposta da empresa: Conferimos o contrato." in body
    item = db.session.get(PendingItem, world.items[0].id)
    assert (item.status, item.original_amount_cents) == (status, cents)
    assert dispute.status == outcome.status and dispute.answer == "Conferimos o contrato."
    assert dispute.resolved_by_id == staff.id
    [audit] = events("item.dispute_resolved")
    assert audit.details["outcome"] == outcome.value and audit.actor_type == "staff"
    [event] = _outbox("item.dispute_resolved")
    assert event.data["item"]["status"] == status.value
    assert event.data["item"]["original_amount_cents"] == cents
    assert event.data["dispute"]["outcome"] == outcome.value
    assert event.data["dispute"]["answer"] == "Conferimos o contrato."
    assert event.data["dispute"]["resolved_at"] == dispute.resolved_at.isoformat()
    with pytest.raises(DisputeError) as again:
        resolve_dispute(
            db.session,
            dispute,
            DisputeOutcome.REJECTED,
            "de novo, não",
            staff=staff,
            actor=STAFF,
            now=now_utc(),
        )
    assert again.value.reason == "closed"


@pytest.mark.parametrize(
    ("answer", "amount", "reason"),
    [
        ("ok", None, "answer_length"),
        ("valor novo", None, "amount"),
        ("valor novo", 30_000, "amount"),
        ("valor novo", 0, "amount"),
    ],
)
def test_a_bad_answer_is_refused(app: Flask, answer: str, amount: int | None, reason: str) -> None:
    world = debt_world(amounts=(30_000,))
    staff = make_staff(world.creditor)
    dispute = _open(world)
    with pytest.raises(DisputeError) as refused:
        resolve_dispute(
            db.session,
            dispute,
            DisputeOutcome.ADJUSTED,
            answer,
            staff=staff,
            actor=STAFF,
            now=now_utc(),
            adjusted_amount_cents=amount,
        )
    assert refused.value.reason == reason
    assert dispute.status == "open" and world.items[0].status == ItemStatus.DISPUTED


def test_no_email_without_a_contact_email(app: Flask) -> None:
    world = debt_world(amounts=(30_000,), email=None)
    staff = make_staff(world.creditor)
    dispute = _open(world)
    resolve_dispute(
        db.session,
        dispute,
        DisputeOutcome.REJECTED,
        "Conferimos o contrato.",
        staff=staff,
        actor=STAFF,
        now=now_utc(),
    )
    # only the webhook dispatches wait for the commit, no e-mail task
    assert pending_callbacks(db.session) == 2
