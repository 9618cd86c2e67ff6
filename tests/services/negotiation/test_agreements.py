"""Negotiation agreements: acceptance, and every lifecycle transition with its effects."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.domain.agreements import IllegalTransition
from portal.extensions import db
from portal.models import (
    Agreement,
    AgreementEvidence,
    AuditEvent,
    EvidenceTamperingError,
    ItemStatus,
)
from portal.services.negotiation import (
    AcceptanceContext,
    AcceptanceError,
    accept_offer,
    cancel_by_debtor,
    create_offer,
    record_payment,
    run_due_transitions,
)
from tests.journey_helpers import debt_world, make_agreement
from tests.smtp_server import SmtpServer

CONTEXT = AcceptanceContext(
    ip="203.0.113.7",
    user_agent="pytest",
    session_id_hash="a" * 64,
    auth_method="access_link+kba+otp",
    one_time_code_id=None,
)


def _actions(agreement_id: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                AuditEvent.subject_type == "agreement", AuditEvent.subject_id == str(agreement_id)
            )
            .order_by(AuditEvent.id)
        )
    )


def _pay(agreement: Agreement, number: int, amount: int | None = None) -> str:
    installment = agreement.installments[number]
    state = record_payment(
        db.session, installment, amount or installment.amount_cents, paid_at=now_utc(), actor=SYSTEM
    )
    db.session.commit()
    return state.value


def test_acceptance_freezes_the_offer_and_claims_the_items(app: Flask) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=4)
    assert agreement.state == "awaiting_down_payment"
    assert [i.number for i in agreement.installments] == [0, 1, 2, 3]
    assert sum(i.amount_cents for i in agreement.installments) == agreement.total_cents
    assert {item.status for item in world.items} == {ItemStatus.IN_AGREEMENT}
    evidence = db.session.scalar(
        sa.select(AgreementEvidence).where(AgreementEvidence.agreement_id == agreement.id)
    )
    from portal.domain.offers import Offer

    offer = Offer.from_json(evidence.offer_json, expected_digest=evidence.offer_digest)
    assert offer.option(4).total_cents == agreement.total_cents
    assert (evidence.ip, evidence.auth_method, evidence.chosen_payment_count) == (
        "203.0.113.7",
        "access_link+kba+otp",
        4,
    )
    assert _actions(agreement.id) == ["agreement.accepted"]


def test_evidence_is_append_only(app: Flask) -> None:
    agreement = make_agreement(debt_world())
    evidence = agreement.evidence
    evidence.ip = "198.51.100.1"
    with pytest.raises(EvidenceTamperingError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("UPDATE agreement_evidence SET ip = 'x'"))
    db.session.rollback()


def test_the_same_acceptance_twice_gives_one_agreement(app: Flask) -> None:
    world = debt_world()
    today = today_br()
    snapshot, offer = create_offer(
        db.session,
        world.debtor,
        world.creditor.id,
        None,
        first_due_date=today + timedelta(days=2),
        down_payment_cents=None,
        today=today,
        actor=SYSTEM,
    )
    key = secrets.token_urlsafe(24)
    first = accept_offer(
        db.session,
        world.debtor,
        snapshot,
        offer,
        3,
        acceptance_key=key,
        context=CONTEXT,
        actor=SYSTEM,
        now=now_utc(),
        today=today,
    )
    db.session.commit()
    again = accept_offer(
        db.session,
        world.debtor,
        snapshot,
        offer,
        3,
        acceptance_key=key,
        context=CONTEXT,
        actor=SYSTEM,
        now=now_utc(),
        today=today,
    )
    assert first.id == again.id
    with pytest.raises(AcceptanceError, match="taken"):
        accept_offer(
            db.session,
            world.debtor,
            snapshot,
            offer,
            3,
            acceptance_key="other-key" * 3,
            context=CONTEXT,
            actor=SYSTEM,
            now=now_utc(),
            today=today,
        )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 1


def test_expired_and_invalid_offers_are_refused(app: Flask) -> None:
    world = debt_world()
    today = today_br()
    snapshot, offer = create_offer(
        db.session,
        world.debtor,
        world.creditor.id,
        None,
        first_due_date=today + timedelta(days=10),  # validity (3 days) ends well before it
        down_payment_cents=None,
        today=today,
        actor=SYSTEM,
    )
    later = offer.valid_until + timedelta(days=1)
    assert later < offer.first_payment_date
    with pytest.raises(AcceptanceError, match="expired"):
        accept_offer(
            db.session,
            world.debtor,
            snapshot,
            offer,
            2,
            acceptance_key="k" * 20,
            context=CONTEXT,
            actor=SYSTEM,
            now=now_utc(),
            today=later,
        )
    with pytest.raises(AcceptanceError, match="invalid_option"):
        accept_offer(
            db.session,
            world.debtor,
            snapshot,
            offer,
            99,
            acceptance_key="k" * 20,
            context=CONTEXT,
            actor=SYSTEM,
            now=now_utc(),
            today=today,
        )


def test_an_offer_past_its_first_payment_date_is_refused(app: Flask) -> None:
    world = debt_world()
    today = today_br()
    snapshot, offer = create_offer(
        db.session,
        world.debtor,
        world.creditor.id,
        None,
        first_due_date=today + timedelta(days=1),
        down_payment_cents=None,
        today=today,
        actor=SYSTEM,
    )
    assert offer.valid_until <= offer.first_payment_date
    # An offer stored before the rule could stay open after its entrada date.
    legacy = replace(offer, valid_until=offer.first_payment_date + timedelta(days=10))
    with pytest.raises(AcceptanceError, match="first_payment_passed"):
        accept_offer(
            db.session,
            world.debtor,
            snapshot,
            legacy,
            2,
            acceptance_key="k" * 20,
            context=CONTEXT,
            actor=SYSTEM,
            now=now_utc(),
            today=offer.first_payment_date + timedelta(days=1),
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 0


def test_cash_payment_completes_and_settles_the_items(
    app: Flask, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=1)
    assert _pay(agreement, 0) == "completed"
    assert {item.status for item in world.items} == {ItemStatus.PAID}
    assert _actions(agreement.id) == ["agreement.accepted", "agreement.completed"]
    subjects = [m["Subject"] for m in smtp_server.wait_for(2)]
    assert any("quitado" in s for s in subjects)


def test_entrada_then_installments_then_completed(app: Flask) -> None:
    agreement = make_agreement(debt_world(), payment_count=3)
    assert _pay(agreement, 0) == "active"
    assert _pay(agreement, 1) == "active"
    assert _pay(agreement, 2) == "completed"


def test_partial_payment_does_not_pay_the_installment(app: Flask) -> None:
    agreement = make_agreement(debt_world(), payment_count=3)
    assert _pay(agreement, 0, amount=100) == "awaiting_down_payment"
    assert agreement.installments[0].status == "pending"
    assert agreement.installments[0].paid_cents == 100


def test_lapse_when_the_entrada_is_not_paid(app: Flask) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=3)
    entrada = agreement.installments[0].due_date
    assert run_due_transitions(entrada + timedelta(days=5)) == {
        "checked": 1,
        "lapsed": 0,
        "broken": 0,
    }
    counts = run_due_transitions(entrada + timedelta(days=6))
    assert counts == {"checked": 1, "lapsed": 1, "broken": 0}
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).state == "lapsed"
    assert {item.status for item in world.items} == {ItemStatus.OPEN}
    assert {item.credited_cents for item in world.items} == {0}
    assert {i.status for i in db.session.get(Agreement, agreement.id).installments} == {"cancelled"}


def test_break_credits_what_was_paid_in_proportion(app: Flask) -> None:
    world = debt_world(amounts=(30_000, 10_000))
    agreement = make_agreement(world, payment_count=4)
    _pay(agreement, 0)
    _pay(agreement, 1)
    paid = sum(i.paid_cents for i in agreement.installments)
    due = agreement.installments[2].due_date
    assert run_due_transitions(due + timedelta(days=30))["broken"] == 0
    assert run_due_transitions(due + timedelta(days=31))["broken"] == 1
    db.session.expire_all()
    broken = db.session.get(Agreement, agreement.id)
    assert broken.state == "broken"
    credits = {link.pending_item_id: link.credited_cents for link in broken.items}
    assert sum(credits.values()) == paid
    big, small = world.items
    assert credits[big.id] > credits[small.id]
    for item in world.items:
        db.session.refresh(item)
        assert item.status == ItemStatus.OPEN
        assert item.credited_cents == credits[item.id]
    assert _actions(agreement.id)[-1] == "agreement.broken"


def test_debtor_cancels_before_paying_only(app: Flask) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=3)
    cancel_by_debtor(db.session, agreement, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert agreement.state == "cancelled"
    assert {item.status for item in world.items} == {ItemStatus.OPEN}
    paid = make_agreement(world, payment_count=3)
    _pay(paid, 0, amount=1)
    with pytest.raises(IllegalTransition):
        cancel_by_debtor(db.session, paid, actor=SYSTEM, now=now_utc())


def test_finished_agreements_cannot_change(app: Flask) -> None:
    agreement = make_agreement(debt_world(), payment_count=1)
    _pay(agreement, 0)
    with pytest.raises(IllegalTransition):
        cancel_by_debtor(db.session, agreement, actor=SYSTEM, now=now_utc())


def test_a_new_offer_after_a_break_uses_what_is_left(app: Flask) -> None:
    world = debt_world(amounts=(50_000,))
    agreement = make_agreement(world, payment_count=4)
    _pay(agreement, 0)
    run_due_transitions(agreement.installments[1].due_date + timedelta(days=31))
    db.session.refresh(world.items[0])
    credited = world.items[0].credited_cents
    assert credited > 0
    today = today_br()
    _snapshot, offer = create_offer(
        db.session,
        world.debtor,
        world.creditor.id,
        None,
        first_due_date=today + timedelta(days=2),
        down_payment_cents=None,
        today=today,
        actor=SYSTEM,
    )
    assert offer.items[0].balance.principal_cents == 50_000 - credited
