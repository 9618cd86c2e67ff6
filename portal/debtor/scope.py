"""What a debtor session may show: the companies it has proved (``g.proved``), nothing else.

Every debtor page loads rows through these helpers or filters by ``g.proved`` itself; a row of
a company the session has not proved is a 404, exactly like a row that does not exist, so a
page never hints at another company (docs/security.md, "Which proof opens what").
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, session

from portal.extensions import db
from portal.models import Agreement, CreditorDebtor
from portal.services.access import relationships


def proved() -> frozenset[int]:
    return frozenset(g.get("proved", frozenset()))


def require_proved(creditor_id: int | None) -> None:
    if creditor_id is None or creditor_id not in proved():
        abort(404)


def own_agreement(agreement_id: int) -> Agreement:
    """The debtor's agreement with a proved company; anything else is a 404 (never a 403)."""
    agreement = db.session.scalar(
        sa.select(Agreement).where(
            Agreement.id == agreement_id,
            Agreement.debtor_id == g.debtor.id,
            Agreement.creditor_id.in_(proved() or {-1}),
        )
    )
    if agreement is None:
        abort(404)
    g.creditor = agreement.creditor
    return agreement


def proved_relationships() -> list[CreditorDebtor]:
    """The person as each proved company knows them, by company name."""
    return relationships(db.session, g.debtor.id, proved())


def greeting_name(rels: list[CreditorDebtor] | None = None) -> str:
    """A first name for "Olá, …": the one the session's own link company uses, else the first
    proved company's (never a name another company sent). ``rels``: the proved relationships
    by company name, when the caller has them already."""
    if rels is None:
        rels = proved_relationships()
    preferred = session.get("creditor_id")
    chosen = next((r for r in rels if r.creditor_id == preferred), rels[0] if rels else None)
    return chosen.first_name if chosen is not None else ""
