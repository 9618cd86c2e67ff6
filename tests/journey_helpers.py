"""Builders for journey tests: a debtor with items owed to a creditor with a policy, and an
agreement made through the real services (offer → acceptance)."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.demo.policies import demo_policies
from portal.extensions import db
from portal.models import Agreement, Creditor, Debtor, PendingItem
from portal.services.negotiation import AcceptanceContext, accept_offer, create_offer
from portal.services.policies import publish_policy
from tests.factories import create_creditor, create_debtor, create_pending_item

_names = itertools.count(1)


@dataclass
class World:
    creditor: Creditor
    debtor: Debtor
    items: list[PendingItem]


def debt_world(
    *,
    policy: str = "energia",
    amounts: tuple[int, ...] = (40_000, 20_000),
    days_late: int = 45,
    **debtor: Any,
) -> World:
    """A creditor with a demo policy and a debtor owing it ``amounts`` (centavos)."""
    n = next(_names)
    creditor = create_creditor(
        legal_name=f"Credora Número {n} S.A.",
        trade_name=f"Credora {n}",
        pix_key=f"pix{n}@credora.example.com",
    )
    publish_policy(db.session, creditor, demo_policies()[policy], actor=SYSTEM)
    person = create_debtor(**debtor)
    due = today_br() - timedelta(days=days_late)
    items = [
        create_pending_item(
            creditor=creditor,
            debtor=person,
            original_amount_cents=amount,
            original_due_date=due,
            description=f"Conta {n + 1}",
        )
        for n, amount in enumerate(amounts)
    ]
    db.session.commit()
    return World(creditor, person, items)


def make_agreement(
    world: World,
    payment_count: int = 4,
    *,
    first_due: date | None = None,
    today: date | None = None,
) -> Agreement:
    """Offer and acceptance through the services, as the confirm page does."""
    today = today or today_br()
    snapshot, offer = create_offer(
        db.session,
        world.debtor,
        world.creditor.id,
        None,
        first_due_date=first_due or today + timedelta(days=3),
        down_payment_cents=None,
        today=today,
        actor=SYSTEM,
    )
    context = AcceptanceContext(
        ip="203.0.113.7",
        user_agent="pytest",
        session_id_hash="0" * 64,
        auth_method="access_link+kba+otp",
        one_time_code_id=None,
    )
    agreement = accept_offer(
        db.session,
        world.debtor,
        snapshot,
        offer,
        payment_count,
        acceptance_key=secrets.token_urlsafe(24),
        context=context,
        actor=SYSTEM,
        now=now_utc(),
        today=today,
    )
    db.session.commit()
    return agreement
