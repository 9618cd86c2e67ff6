"""Removal from the credit bureaus after payment (Súmula 548 STJ): each paid item the company
reported to a bureau has a deadline of 5 business days; the company confirms the removal
(back-office or API), and overdue removals are listed for it and counted in its KPIs.

The deadline and the states come from :mod:`portal.domain.bureau`; here they meet the rows.
Confirming writes its audit event and the ``item.bureau_removed`` integration event in the
caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.clock import BRASILIA
from portal.core.context import Actor
from portal.domain.bureau import (
    REMOVAL_BUSINESS_DAYS,
    RemovalDateProblem,
    RemovalState,
    RemovalStatus,
    removal_date_problem,
    removal_status,
)
from portal.domain.calendar import anbima_calendar
from portal.domain.errors import N_, Message
from portal.models import Agreement, ItemStatus, PendingItem
from portal.services.integration import emit


class RemovalRefused(Exception):
    """A confirmation that cannot be recorded, with a stable code for API problem details."""

    def __init__(self, message: Message, status: int = 409) -> None:
        super().__init__(message.code)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class TrackedRemoval:
    item: PendingItem
    status: RemovalStatus


def paid_on(item: PendingItem) -> date | None:
    """The day (in Brasília) the item became paid."""
    if item.paid_at is None:
        return None
    return item.paid_at.astimezone(BRASILIA).date()


def removal_of(item: PendingItem, today: date) -> RemovalStatus | None:
    """The removal tracker of a paid item reported to a bureau; None for any other item."""
    day = paid_on(item)
    if not item.bureau_reported or item.status != ItemStatus.PAID or day is None:
        return None
    return removal_status(day, item.bureau_removed_on, today, anbima_calendar())


def agreement_removals(agreement: Agreement, today: date) -> list[TrackedRemoval]:
    """The removals an agreement's quitação started, by item reference."""
    tracked = []
    for link in sorted(agreement.items, key=lambda link: link.pending_item.external_reference):
        status = removal_of(link.pending_item, today)
        if status is not None:
            tracked.append(TrackedRemoval(link.pending_item, status))
    return tracked


def tracked_removals(items: Collection[PendingItem], today: date) -> list[TrackedRemoval]:
    """The removal trackers of ``items`` (those without one are left out), in their order."""
    rows = []
    for item in items:
        status = removal_of(item, today)
        if status is not None:
            rows.append(TrackedRemoval(item, status))
    return rows


def needs_attention(today: date) -> sa.ColumnElement[bool]:
    """SQL: a paid item reported to a bureau whose removal still needs the person's attention
    (not confirmed yet, or confirmed in the last 30 days)."""
    return sa.and_(
        PendingItem.bureau_reported.is_(True),
        PendingItem.status == ItemStatus.PAID,
        sa.or_(
            PendingItem.bureau_removed_on.is_(None),
            PendingItem.bureau_removed_on >= today - timedelta(days=30),
        ),
    )


def debtor_removals(
    session: DbSession, debtor_id: int, creditor_ids: Collection[int], today: date
) -> list[TrackedRemoval]:
    """A person's removals with the given (proved) companies that still need the person's
    attention (:func:`needs_attention`); oldest payment first."""
    if not creditor_ids:
        return []
    items = session.scalars(
        sa.select(PendingItem)
        .where(
            PendingItem.debtor_id == debtor_id,
            PendingItem.creditor_id.in_(creditor_ids),
            needs_attention(today),
        )
        .order_by(PendingItem.paid_at, PendingItem.id)
    ).all()
    return tracked_removals(items, today)


def unconfirmed_removals(
    session: DbSession,
    creditor_ids: Collection[int] | None,
    today: date,
    *,
    overdue_only: bool = False,
    limit: int = 500,
) -> list[TrackedRemoval]:
    """Removals the companies have not confirmed (``None``: every company), oldest first;
    with ``overdue_only`` only those past the deadline."""
    statement = sa.select(PendingItem).where(
        PendingItem.bureau_reported.is_(True),
        PendingItem.status == ItemStatus.PAID,
        PendingItem.bureau_removed_on.is_(None),
        PendingItem.paid_at.is_not(None),
    )
    if creditor_ids is not None:
        statement = statement.where(PendingItem.creditor_id.in_(creditor_ids or {-1}))
    if overdue_only:
        # Overdue needs at least REMOVAL_BUSINESS_DAYS + 1 calendar days since payment: a
        # cheap filter in SQL, the exact one (holidays) below.
        cutoff = today - timedelta(days=REMOVAL_BUSINESS_DAYS)
        statement = statement.where(
            PendingItem.paid_at < datetime.combine(cutoff, time(), tzinfo=BRASILIA)
        )
    items = session.scalars(statement.order_by(PendingItem.paid_at, PendingItem.id)).all()
    rows = tracked_removals(items, today)
    if overdue_only:
        rows = [r for r in rows if r.status.state is RemovalState.OVERDUE]
    return rows[:limit]


def overdue_removal_count(
    session: DbSession, creditor_ids: Collection[int] | None, today: date
) -> int:
    """How many removals are past the deadline without confirmation (the KPI)."""
    return len(unconfirmed_removals(session, creditor_ids, today, overdue_only=True, limit=10**9))


_NOT_REPORTED = N_("esta pendência não foi informada como registrada em cadastro de inadimplentes")
_NOT_PAID = N_("esta pendência ainda não está paga: a retirada só vale depois do pagamento")
_DATE_PROBLEMS = {
    RemovalDateProblem.FUTURE: ("removal_in_future", N_("a data da retirada não pode ser futura")),
    RemovalDateProblem.BEFORE_DEBT: (
        "removal_before_due_date",
        N_("a data da retirada não pode ser anterior ao vencimento da pendência"),
    ),
}


def removal_payload(item: PendingItem, status: RemovalStatus) -> dict[str, object]:
    """What the ``item.bureau_removed`` webhook carries (no personal data)."""
    return {
        "id": item.id,
        "external_reference": item.external_reference,
        "debtor_id": item.debtor_id,
        "paid_on": status.paid_on.isoformat(),
        "deadline": status.deadline.isoformat(),
        "removed_on": status.confirmed_on.isoformat() if status.confirmed_on else None,
        "days_late": status.days_late,
    }


def confirm_removal(
    session: DbSession, item: PendingItem, removed_on: date, *, actor: Actor, today: date
) -> RemovalStatus:
    """The company says the bureau record of this paid item was removed on ``removed_on``.

    Confirming again changes nothing (the first confirmation stands). Refused (409) for an
    item not reported or not paid, and (422) for a day in the future or before the debt fell
    due."""
    if not item.bureau_reported:
        raise RemovalRefused(Message.of("not_reported", _NOT_REPORTED))
    current = removal_of(item, today)
    if current is None:
        raise RemovalRefused(Message.of("item_not_paid", _NOT_PAID))
    if current.is_done:
        return current
    problem = removal_date_problem(removed_on, item.original_due_date, today)
    if problem is not None:
        code, key = _DATE_PROBLEMS[problem]
        raise RemovalRefused(Message.of(code, key), 422)
    item.bureau_removed_on = removed_on
    status = removal_status(current.paid_on, removed_on, today, anbima_calendar())
    record_event(
        session,
        actor,
        "item.bureau_removed",
        subject=("pending_item", item.id),
        creditor_id=item.creditor_id,
        details={
            "reference": item.external_reference,
            "removed_on": removed_on.isoformat(),
            "deadline": status.deadline.isoformat(),
            "days_late": status.days_late,
        },
    )
    session.flush()
    emit(session, item.creditor_id, "item.bureau_removed", removal_payload(item, status))
    return status
