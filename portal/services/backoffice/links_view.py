"""A debtor's access links for staff: who issued each one and who cancelled it, and when.

Only links for the staff member's companies (a magic link may open other companies too,
so staff limited to some companies do not see it). Who issued a link
is kept on the link; who cancelled it comes from the audit log (``link.revoked``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.core import DbSession
from portal.models import AccessLink, ApiKey, AuditEvent, Debtor, StaffUser

LINKS_SHOWN = 50


@dataclass(frozen=True)
class Who:
    """Someone who acted: ``kind`` is an actor type (staff, api_key, system, debtor, …) and
    ``name`` the staff member's or the API key's name when known."""

    kind: str
    name: str | None = None


@dataclass(frozen=True)
class LinkRow:
    link: AccessLink
    issued_by: Who
    revoked_by: Who | None  # None: not cancelled, or cancelled before the log said by whom
    revoked_at: datetime | None


def links_in_scope(session: DbSession, staff: StaffUser, debtor: Debtor) -> list[AccessLink]:
    scope = staff.scope_ids()
    statement = (
        sa.select(AccessLink)
        .where(AccessLink.debtor_id == debtor.id)
        .order_by(AccessLink.created_at.desc(), AccessLink.id.desc())
        .limit(LINKS_SHOWN)
    )
    if scope is not None:
        # Only links for the staff member's companies: a magic link may open others too.
        statement = statement.where(AccessLink.creditor_id.in_(scope or {-1}))
    return list(session.scalars(statement))


def _names(session: DbSession, pairs: list[tuple[str, str | None]]) -> dict[tuple[str, str], str]:
    """Names of the staff members and API keys among ``(actor_type, actor_id)`` pairs."""
    wanted: dict[str, set[int]] = {"staff": set(), "api_key": set()}
    for kind, ident in pairs:
        if kind in wanted and ident and ident.isdigit():
            wanted[kind].add(int(ident))
    names: dict[tuple[str, str], str] = {}
    if wanted["staff"]:
        rows = session.execute(
            sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(wanted["staff"]))
        )
        names.update({("staff", str(i)): n for i, n in rows})
    if wanted["api_key"]:
        rows = session.execute(
            sa.select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(wanted["api_key"]))
        )
        names.update({("api_key", str(i)): n for i, n in rows})
    return names


def link_rows(session: DbSession, staff: StaffUser, debtor: Debtor) -> list[LinkRow]:
    links = links_in_scope(session, staff, debtor)
    revoked_ids = [str(link.id) for link in links if link.revoked_at is not None]
    revocations: dict[str, AuditEvent] = {}
    if revoked_ids:
        for event in session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.action == "link.revoked",
                AuditEvent.subject_type == "access_link",
                AuditEvent.subject_id.in_(revoked_ids),
            )
            .order_by(AuditEvent.id)
        ):
            revocations.setdefault(event.subject_id or "", event)
    pairs = [(link.issued_by_type, link.issued_by_id) for link in links]
    pairs += [(e.actor_type, e.actor_id) for e in revocations.values()]
    names = _names(session, pairs)

    def who(kind: str, ident: str | None) -> Who:
        return Who(kind, names.get((kind, ident or "")))

    rows = []
    for link in links:
        revocation = revocations.get(str(link.id))
        rows.append(
            LinkRow(
                link,
                who(link.issued_by_type, link.issued_by_id),
                who(revocation.actor_type, revocation.actor_id) if revocation else None,
                link.revoked_at,
            )
        )
    return rows
