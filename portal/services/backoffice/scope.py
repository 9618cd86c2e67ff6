"""Which creditors a staff member may report on or act for (tenant scope, 404 outside it)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.core import DbSession
from portal.models import Creditor, StaffUser


def creditors_in_scope(session: DbSession, staff: StaffUser) -> list[Creditor]:
    """Every creditor the staff member works for, by name (all of them for ``all_creditors``)."""
    statement = sa.select(Creditor).order_by(Creditor.trade_name, Creditor.id)
    scope = staff.scope_ids()
    if scope is not None:
        statement = statement.where(Creditor.id.in_(scope or {-1}))
    return list(session.scalars(statement))


def creditor_in_scope(session: DbSession, staff: StaffUser, creditor_id: int) -> Creditor | None:
    """The creditor, or None when it is outside the staff member's scope (→ 404)."""
    scope = staff.scope_ids()
    if scope is not None and creditor_id not in scope:
        return None
    return session.get(Creditor, creditor_id)
