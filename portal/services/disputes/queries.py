"""Reading disputes within a tenant scope: the debtor's own (proved companies only) and the
staff member's (their companies only). Anything outside the scope is simply not found."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.core import DbSession
from portal.domain.disputes import DisputeStatus
from portal.models import ItemDispute, StaffUser

RECENT_RESOLVED = 50


def debtor_disputes(
    session: DbSession, debtor_id: int, creditor_ids: Iterable[int]
) -> list[ItemDispute]:
    """The person's disputes with the companies in ``creditor_ids``, open ones first, each
    with its item (and the item's company) loaded in the same statement."""
    wanted = set(creditor_ids) or {-1}
    return list(
        session.scalars(
            sa.select(ItemDispute)
            .options(joinedload(ItemDispute.item))
            .where(ItemDispute.debtor_id == debtor_id, ItemDispute.creditor_id.in_(wanted))
            .order_by(
                sa.case((ItemDispute.status == DisputeStatus.OPEN, 0), else_=1),
                ItemDispute.opened_at.desc(),
                ItemDispute.id.desc(),
            )
        )
    )


def debtor_dispute(
    session: DbSession, dispute_id: int, debtor_id: int, creditor_ids: Iterable[int]
) -> ItemDispute | None:
    return session.scalar(
        sa.select(ItemDispute).where(
            ItemDispute.id == dispute_id,
            ItemDispute.debtor_id == debtor_id,
            ItemDispute.creditor_id.in_(set(creditor_ids) or {-1}),
        )
    )


def _scoped(statement: sa.Select[ItemDispute], staff: StaffUser) -> sa.Select[ItemDispute]:
    scope = staff.scope_ids()
    if scope is not None:
        statement = statement.where(ItemDispute.creditor_id.in_(scope or {-1}))
    return statement


def disputes_in_scope(
    session: DbSession, staff: StaffUser, *, open_only: bool
) -> list[ItemDispute]:
    """Open cases by deadline (the most urgent first), or the latest answered ones."""
    statement = sa.select(ItemDispute)
    if open_only:
        statement = statement.where(ItemDispute.status == DisputeStatus.OPEN).order_by(
            ItemDispute.due_on, ItemDispute.id
        )
    else:
        statement = (
            statement.where(ItemDispute.status != DisputeStatus.OPEN)
            .order_by(ItemDispute.resolved_at.desc(), ItemDispute.id.desc())
            .limit(RECENT_RESOLVED)
        )
    return list(session.scalars(_scoped(statement, staff)))


def dispute_in_scope(session: DbSession, staff: StaffUser, dispute_id: int) -> ItemDispute | None:
    return session.scalar(
        _scoped(sa.select(ItemDispute).where(ItemDispute.id == dispute_id), staff)
    )


def open_dispute_ids(session: DbSession, item_ids: Iterable[int]) -> dict[int, int]:
    """``{item id: open dispute id}`` for those of ``item_ids`` with an open case."""
    ids = set(item_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(ItemDispute.pending_item_id, ItemDispute.id).where(
            ItemDispute.pending_item_id.in_(ids), ItemDispute.status == DisputeStatus.OPEN
        )
    )
    return {item_id: dispute_id for item_id, dispute_id in rows}
