"""A creditor's debtors, filtered by segment and ordered by the priority score.

Who is listed: debtors with at least one **open** item of the creditor (items in an
agreement, disputed, paid or cancelled are not chased). Per debtor:

* balance — the open items' outstanding principal (original amount minus credits);
* days overdue — from the oldest open item's due date to today (Brasília), 0 if not late;
* payment history — "paid something" when any payment was ever applied to an agreement of
  this debtor with this creditor, else "never paid";
* broken agreements — whether any agreement of this debtor with this creditor broke;
* delay reason — the "motivo do atraso" the person gave this creditor, if any.

The order is ``portal.domain.priority`` (formula and reasons there and in docs/kpis.md).
Everything is computed per request from a few grouped queries; a portfolio of tens of
thousands of debtors is fine, beyond that the aggregates would move to SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from portal.core import DbSession
from portal.domain.agreements import AgreementState
from portal.domain.disputes import DelayReason
from portal.domain.kpis import days_between
from portal.domain.priority import PriorityInput, priority_score, rank_key
from portal.domain.segments import AmountBand, DaysBand, amount_band, days_band
from portal.models import Agreement, CreditorDebtor, ItemStatus, Payment, PendingItem
from portal.services.disputes import delay_reasons_by_debtor

PER_PAGE = 25


class History(StrEnum):
    PAID = "pagou"
    NEVER = "nunca-pagou"


@dataclass(frozen=True, slots=True)
class SegmentFilter:
    days: DaysBand | None = None
    amount: AmountBand | None = None
    history: History | None = None
    broken: bool | None = None
    delay_reason: DelayReason | None = None  # what the debtor said ("motivo do atraso")

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days.value if self.days else None,
            "amount": self.amount.value if self.amount else None,
            "history": self.history.value if self.history else None,
            "broken": self.broken,
            "delay_reason": self.delay_reason.value if self.delay_reason else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentFilter:
        return cls(
            days=DaysBand(data["days"]) if data.get("days") else None,
            amount=AmountBand(data["amount"]) if data.get("amount") else None,
            history=History(data["history"]) if data.get("history") else None,
            broken=data.get("broken"),
            delay_reason=DelayReason(data["delay_reason"]) if data.get("delay_reason") else None,
        )


@dataclass(frozen=True, slots=True)
class RankedDebtor:
    debtor_id: int
    balance_cents: int
    oldest_due: date
    days_overdue: int
    has_paid: bool
    has_broken: bool
    score: Decimal
    delay_reason: str | None = None

    def matches(self, wanted: SegmentFilter) -> bool:
        return (
            (wanted.days is None or days_band(self.days_overdue) == wanted.days)
            and (wanted.amount is None or amount_band(self.balance_cents) == wanted.amount)
            and (wanted.history is None or self.has_paid == (wanted.history == History.PAID))
            and (wanted.broken is None or self.has_broken == wanted.broken)
            and (wanted.delay_reason is None or self.delay_reason == wanted.delay_reason)
        )


def ranked_debtors(
    session: DbSession, creditor_id: int, wanted: SegmentFilter, today: date
) -> list[RankedDebtor]:
    """Every debtor of the segment, highest priority first."""
    paid = set(
        session.scalars(
            sa.select(Agreement.debtor_id)
            .join(Payment, Payment.agreement_id == Agreement.id)
            .where(Agreement.creditor_id == creditor_id, Payment.applied_cents > 0)
            .distinct()
        )
    )
    broken = set(
        session.scalars(
            sa.select(Agreement.debtor_id)
            .where(Agreement.creditor_id == creditor_id, Agreement.state == AgreementState.BROKEN)
            .distinct()
        )
    )
    reasons = delay_reasons_by_debtor(session, creditor_id)
    rows = session.execute(
        sa.select(
            PendingItem.debtor_id,
            sa.func.sum(PendingItem.original_amount_cents - PendingItem.credited_cents),
            sa.func.min(PendingItem.original_due_date),
        )
        .where(PendingItem.creditor_id == creditor_id, PendingItem.status == ItemStatus.OPEN)
        .group_by(PendingItem.debtor_id)
    ).all()
    ranked = []
    for debtor_id, balance, oldest in rows:
        oldest_due = oldest if isinstance(oldest, date) else date.fromisoformat(str(oldest))
        account = PriorityInput(
            debtor_id=debtor_id,
            balance_cents=int(balance),
            days_overdue=days_between(oldest_due, today),
            has_paid=debtor_id in paid,
            has_broken=debtor_id in broken,
        )
        row = RankedDebtor(
            debtor_id=debtor_id,
            balance_cents=account.balance_cents,
            oldest_due=oldest_due,
            days_overdue=account.days_overdue,
            has_paid=account.has_paid,
            has_broken=account.has_broken,
            score=priority_score(account),
            delay_reason=reasons.get(debtor_id),
        )
        if row.matches(wanted):
            ranked.append((rank_key(account), row))
    ranked.sort(key=lambda pair: pair[0])
    return [row for _, row in ranked]


@dataclass(frozen=True, slots=True)
class DebtorPage:
    rows: list[tuple[RankedDebtor, CreditorDebtor]]  # the person as this company knows them
    number: int
    pages: int
    total: int
    first_position: int


def debtor_page(
    session: DbSession,
    creditor_id: int,
    wanted: SegmentFilter,
    today: date,
    number: int,
    per_page: int = PER_PAGE,
) -> DebtorPage:
    """One page of the ranking (a page past the end shows the last one)."""
    ranked = ranked_debtors(session, creditor_id, wanted, today)
    pages = max(1, -(-len(ranked) // per_page))
    number = min(max(1, number), pages)
    chunk = ranked[(number - 1) * per_page : number * per_page]
    contacts = {
        c.debtor_id: c
        for c in session.scalars(
            sa.select(CreditorDebtor).where(
                CreditorDebtor.creditor_id == creditor_id,
                CreditorDebtor.debtor_id.in_([r.debtor_id for r in chunk]),
            )
        )
    }
    return DebtorPage(
        rows=[(row, contacts[row.debtor_id]) for row in chunk if row.debtor_id in contacts],
        number=number,
        pages=pages,
        total=len(ranked),
        first_position=(number - 1) * per_page + 1,
    )
