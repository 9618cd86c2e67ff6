"""Which companies a debtor session may show: the relationships the person has *proved*.

The person (``Debtor``, one per CPF) is shared; each company's relationship with them
(``CreditorDebtor``) carries that company's own contact data. A session shows only the
companies it has proved, and nothing at all about the others:

* a reminder link issued for company X (X's API key, X's import, staff scoped to X, the CLI
  with ``--creditor``) plus the identity check proves X only;
* a magic link, or a one-time code, sent to an e-mail or phone proves every company whose
  relationship holds exactly that contact (whoever reads that inbox is who those companies
  know by it).

docs/security.md has the table "Which proof opens what".
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.tokens import contact_hash
from portal.models import (
    AccessLink,
    ActorType,
    Channel,
    Creditor,
    CreditorDebtor,
    LinkPurpose,
    StaffUser,
)


def relationship(session: DbSession, creditor_id: int, debtor_id: int) -> CreditorDebtor | None:
    """The person as ``creditor_id`` knows them, or None when that company does not."""
    return session.get(CreditorDebtor, (creditor_id, debtor_id))


def relationships(
    session: DbSession, debtor_id: int, creditor_ids: Iterable[int]
) -> list[CreditorDebtor]:
    """The person's relationships with these companies (and no other), by company name."""
    wanted = set(creditor_ids)
    if not wanted:
        return []
    return list(
        session.scalars(
            sa.select(CreditorDebtor)
            .join(Creditor, Creditor.id == CreditorDebtor.creditor_id)
            .where(CreditorDebtor.debtor_id == debtor_id, CreditorDebtor.creditor_id.in_(wanted))
            .order_by(Creditor.trade_name, Creditor.id)
        )
    )


def contact_of(rel: CreditorDebtor, channel: Channel) -> str | None:
    """Where a message on ``channel`` goes for this relationship (None: nowhere)."""
    return rel.email if channel == Channel.EMAIL else rel.phone


def holding_contact(
    session: DbSession, debtor_id: int, channel: Channel, hashed: str | None
) -> list[CreditorDebtor]:
    """The relationships whose e-mail (or phone) is exactly the contact hashed as ``hashed``."""
    if not hashed:
        return []
    column = CreditorDebtor.email if channel == Channel.EMAIL else CreditorDebtor.phone
    candidates = session.scalars(
        sa.select(CreditorDebtor)
        .where(CreditorDebtor.debtor_id == debtor_id, column.is_not(None))
        .order_by(CreditorDebtor.creditor_id)
    )
    return [rel for rel in candidates if contact_hash(str(contact_of(rel, channel))) == hashed]


def staff_scoped(session: DbSession, staff_id: str | None, creditor_id: int) -> bool:
    """The staff member exists, is active and may act for ``creditor_id``."""
    if not staff_id or not staff_id.isdigit():
        return False
    staff = session.get(StaffUser, int(staff_id))
    if staff is None or not staff.is_active:
        return False
    scope = staff.scope_ids()
    return scope is None or creditor_id in scope


def link_relationships(session: DbSession, link: AccessLink) -> list[CreditorDebtor]:
    """The relationships using ``link`` proves (empty: the link opens nothing).

    A reminder link proves its own company, and only while whoever issued it may act for
    that company (a staff member moved to other companies no longer opens it); a magic link
    proves the relationships holding the address it was sent to.
    """
    if link.purpose == LinkPurpose.REMINDER:
        if link.creditor_id is None:
            return []
        if link.issued_by_type == ActorType.STAFF.value and not staff_scoped(
            session, link.issued_by_id, link.creditor_id
        ):
            return []
        rel = relationship(session, link.creditor_id, link.debtor_id)
        return [rel] if rel is not None else []
    return holding_contact(session, link.debtor_id, Channel.EMAIL, link.contact_hash)
