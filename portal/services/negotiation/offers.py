"""Simulations: build an offer with the engine and keep it exactly as shown.

An offer is stored (``offers``) when it is shown, so what the debtor accepts later, within its
validity, is byte for byte what they saw, whatever happens to charges or policies meanwhile.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.calendar import anbima_calendar
from portal.domain.errors import InvalidOfferData
from portal.domain.offers import Offer
from portal.domain.simulation import build_offer
from portal.models import Debtor, OfferSnapshot
from portal.services.negotiation.pendencias import debtor_kind, domain_item, open_items
from portal.services.policies import current_version, policy_of


class NothingToNegotiate(LookupError):
    """No open item of this debtor with this creditor matches the selection."""


def create_offer(
    session: DbSession,
    debtor: Debtor,
    creditor_id: int,
    item_ids: Sequence[int] | None,
    *,
    first_due_date: date,
    down_payment_cents: int | None,
    today: date,
    actor: Actor,
) -> tuple[OfferSnapshot, Offer]:
    """Simulate every option for the selected items and store the offer as shown.

    Raises ``NothingToNegotiate`` for an empty or foreign selection, ``NoPolicy`` when the
    creditor has none, and the engine's typed errors (first due date outside the window,
    entrada above the total, …) for the caller to explain.
    """
    available = open_items(session, debtor.id, creditor_id)
    if item_ids is not None:
        wanted = set(item_ids)
        selected = [item for item in available if item.id in wanted]
        if len(selected) != len(wanted):
            raise NothingToNegotiate(creditor_id)
    else:
        selected = available
    if not selected:
        raise NothingToNegotiate(creditor_id)
    version = current_version(session, creditor_id)
    offer = build_offer(
        [domain_item(item) for item in selected],
        policy_of(version),
        anbima_calendar(),
        debtor_kind=debtor_kind(debtor),
        as_of=today,
        first_due_date=first_due_date,
        down_payment_cents=down_payment_cents,
    )
    snapshot = OfferSnapshot(
        token=secrets.token_urlsafe(16),
        debtor_id=debtor.id,
        creditor_id=creditor_id,
        policy_version_id=version.id,
        item_ids=sorted(item.id for item in selected),
        offer_json=offer.to_json(),
        digest=offer.digest,
        valid_until=offer.valid_until,
    )
    session.add(snapshot)
    session.flush()
    record_event(
        session,
        actor,
        "offer.simulated",
        subject=("offer", snapshot.id),
        creditor_id=creditor_id,
        details={
            "debtor_id": debtor.id,
            "items": len(selected),
            "negotiated_cents": offer.negotiated_cents,
        },
    )
    return snapshot, offer


def load_offer(
    session: DbSession, debtor_id: int, token: str
) -> tuple[OfferSnapshot, Offer] | None:
    """The debtor's own stored offer, intact (digest checked); None for anything else. Its
    company and policy version come in the same statement (every page showing it needs both)."""
    if not token or len(token) > 32:
        return None
    snapshot = session.scalar(
        sa.select(OfferSnapshot)
        .options(joinedload(OfferSnapshot.creditor), joinedload(OfferSnapshot.policy_version))
        .where(OfferSnapshot.token == token, OfferSnapshot.debtor_id == debtor_id)
    )
    if snapshot is None:
        return None
    try:
        offer = Offer.from_json(snapshot.offer_json, expected_digest=snapshot.digest)
    except InvalidOfferData:
        return None
    return snapshot, offer
