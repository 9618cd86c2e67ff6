"""What support staff may read about one debtor, always within their creditors.

Every query here filters by the staff member's scope (``StaffUser.scope_ids``): items,
agreements, payments, notes and audit events of other creditors never load. Events that
belong to no creditor (the debtor's own sign-ins, codes, self-requested links) belong to the
debtor, whom the staff member may see, and are shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, selectinload

from portal.core import DbSession
from portal.domain.charges import UpdatedBalance
from portal.domain.policy import NegotiationPolicy
from portal.models import (
    AccessLink,
    Agreement,
    AuditEvent,
    Creditor,
    Debtor,
    DebtorNote,
    Installment,
    ItemStatus,
    OfferSnapshot,
    OneTimeCode,
    Payment,
    PendingItem,
    StaffUser,
)
from portal.services.negotiation import debtor_kind, item_balance
from portal.services.policies import NoPolicy, current_policy

TIMELINE_PAGE_SIZE = 25
OWED_STATUSES = frozenset({ItemStatus.OPEN.value, ItemStatus.DISPUTED.value})
# Audit actions that mean a message left for the debtor (the bodies are never stored).
MESSAGE_ACTIONS = (
    "code.sent",
    "link.issued",
    "link.requested",
    "agreement.accepted",
    "agreement.cancelled",
    "agreement.broken",
    "agreement.lapsed",
    "agreement.completed",
)


def scope_clause(column: QueryableAttribute[Any], staff: StaffUser) -> sa.ColumnElement[bool]:
    """``column`` (a creditor id) is one of the staff member's creditors."""
    scope = staff.scope_ids()
    if scope is None:
        return sa.true()
    return column.in_(scope or {-1})


@dataclass(frozen=True)
class ItemRow:
    item: PendingItem
    balance: UpdatedBalance | None  # open and disputed items: what is owed today


@dataclass(frozen=True)
class CreditorItems:
    creditor: Creditor
    rows: list[ItemRow]

    @property
    def owed_cents(self) -> int:
        return sum(row.balance.total_cents for row in self.rows if row.balance is not None)


def items_in_scope(
    session: DbSession, staff: StaffUser, debtor: Debtor, today: date
) -> list[CreditorItems]:
    """Every item of the debtor with the staff member's creditors, grouped by creditor;
    open and disputed ones with their itemised updated balance at ``today``."""
    items = session.scalars(
        sa.select(PendingItem)
        .where(PendingItem.debtor_id == debtor.id, scope_clause(PendingItem.creditor_id, staff))
        .order_by(PendingItem.original_due_date, PendingItem.id)
    )
    kind = debtor_kind(debtor)
    groups: dict[int, CreditorItems] = {}
    policies: dict[int, NegotiationPolicy | None] = {}
    for item in items:
        if item.creditor_id not in policies:
            try:
                policies[item.creditor_id] = current_policy(session, item.creditor_id)
            except NoPolicy:
                policies[item.creditor_id] = None
        balance = None
        if item.status in OWED_STATUSES:
            balance = item_balance(item, policies[item.creditor_id], kind, today)
        group = groups.setdefault(item.creditor_id, CreditorItems(item.creditor, []))
        group.rows.append(ItemRow(item, balance))
    return sorted(groups.values(), key=lambda g: g.creditor.display_name)


def item_in_scope(
    session: DbSession, staff: StaffUser, debtor: Debtor, item_id: int
) -> PendingItem | None:
    return session.scalar(
        sa.select(PendingItem).where(
            PendingItem.id == item_id,
            PendingItem.debtor_id == debtor.id,
            scope_clause(PendingItem.creditor_id, staff),
        )
    )


def agreements_in_scope(session: DbSession, staff: StaffUser, debtor: Debtor) -> list[Agreement]:
    return list(
        session.scalars(
            sa.select(Agreement)
            .where(Agreement.debtor_id == debtor.id, scope_clause(Agreement.creditor_id, staff))
            .options(selectinload(Agreement.installments), selectinload(Agreement.policy_version))
            .order_by(Agreement.created_at.desc(), Agreement.id.desc())
        )
    )


def agreement_in_scope(
    session: DbSession, staff: StaffUser, debtor: Debtor, agreement_id: int
) -> Agreement | None:
    return session.scalar(
        sa.select(Agreement).where(
            Agreement.id == agreement_id,
            Agreement.debtor_id == debtor.id,
            scope_clause(Agreement.creditor_id, staff),
        )
    )


def payments_in_scope(
    session: DbSession, staff: StaffUser, debtor: Debtor, limit: int = 100
) -> list[Payment]:
    return list(
        session.scalars(
            sa.select(Payment)
            .join(Agreement, Agreement.id == Payment.agreement_id)
            .where(Agreement.debtor_id == debtor.id, scope_clause(Agreement.creditor_id, staff))
            .options(selectinload(Payment.installment))
            .order_by(Payment.created_at.desc(), Payment.id.desc())
            .limit(limit)
        )
    )


def notes_in_scope(session: DbSession, staff: StaffUser, debtor: Debtor) -> list[DebtorNote]:
    return list(
        session.scalars(
            sa.select(DebtorNote)
            .where(DebtorNote.debtor_id == debtor.id, scope_clause(DebtorNote.creditor_id, staff))
            .options(selectinload(DebtorNote.author), selectinload(DebtorNote.creditor))
            .order_by(DebtorNote.created_at.desc(), DebtorNote.id.desc())
        )
    )


def _ids_as_text(column: QueryableAttribute[int]) -> sa.Cast[str]:
    return sa.cast(column, sa.String)


def _about_debtor(debtor_id: int) -> sa.ColumnElement[bool]:
    """Audit events whose subject is the debtor or one of their rows."""
    subjects: list[tuple[str, sa.Select[str]]] = [
        (
            "agreement",
            sa.select(_ids_as_text(Agreement.id)).where(Agreement.debtor_id == debtor_id),
        ),
        (
            "installment",
            sa.select(_ids_as_text(Installment.id))
            .join(Agreement, Agreement.id == Installment.agreement_id)
            .where(Agreement.debtor_id == debtor_id),
        ),
        (
            "payment",
            sa.select(_ids_as_text(Payment.id))
            .join(Agreement, Agreement.id == Payment.agreement_id)
            .where(Agreement.debtor_id == debtor_id),
        ),
        (
            "access_link",
            sa.select(_ids_as_text(AccessLink.id)).where(AccessLink.debtor_id == debtor_id),
        ),
        (
            "pending_item",
            sa.select(_ids_as_text(PendingItem.id)).where(PendingItem.debtor_id == debtor_id),
        ),
        (
            "offer",
            sa.select(_ids_as_text(OfferSnapshot.id)).where(OfferSnapshot.debtor_id == debtor_id),
        ),
        (
            "one_time_code",
            sa.select(_ids_as_text(OneTimeCode.id)).where(OneTimeCode.debtor_id == debtor_id),
        ),
    ]
    return sa.or_(
        sa.and_(AuditEvent.subject_type == "debtor", AuditEvent.subject_id == str(debtor_id)),
        *(
            sa.and_(AuditEvent.subject_type == kind, AuditEvent.subject_id.in_(ids))
            for kind, ids in subjects
        ),
    )


def _events(staff: StaffUser, debtor: Debtor) -> sa.Select[AuditEvent]:
    return sa.select(AuditEvent).where(
        _about_debtor(debtor.id),
        sa.or_(AuditEvent.creditor_id.is_(None), scope_clause(AuditEvent.creditor_id, staff)),
    )


@dataclass(frozen=True)
class TimelinePage:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def timeline(
    session: DbSession,
    staff: StaffUser,
    debtor: Debtor,
    page: int = 1,
    per_page: int = TIMELINE_PAGE_SIZE,
) -> TimelinePage:
    """The debtor's audit trail within scope, newest first, one page of it."""
    statement = _events(staff, debtor)
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    events = list(
        session.scalars(
            statement.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return TimelinePage(events, page, pages, total)


def messages_sent(
    session: DbSession, staff: StaffUser, debtor: Debtor, limit: int = 50
) -> list[AuditEvent]:
    """The audit events that stand for a message to the debtor, newest first."""
    statement = _events(staff, debtor).where(AuditEvent.action.in_(MESSAGE_ACTIONS))
    return list(
        session.scalars(
            statement.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
        )
    )


def staff_names(session: DbSession, events: Iterable[AuditEvent]) -> dict[str, str]:
    """Names of the staff members who acted in ``events``, by their id as text."""
    ids = {
        int(e.actor_id)
        for e in events
        if e.actor_type == "staff" and e.actor_id is not None and e.actor_id.isdigit()
    }
    if not ids:
        return {}
    rows = session.execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
    return {str(staff_id): name for staff_id, name in rows}
