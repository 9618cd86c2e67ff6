"""Load one creditor's rows for a period and hand them to ``portal.domain.kpis``.

A period is a range of Brasília calendar days, both ends included. Each debtor with
something counted becomes one ``AccountFacts``; the domain adds them up (the definitions
of every figure are in ``portal.domain.kpis`` and ``docs/kpis.md``). This module decides
*which rows* count:

**Portfolio** (carteira) of a period — the sum of ``original_amount_cents`` (face value of
the principal, before multa, juros or discounts) of the creditor's pending items that

1. were loaded by the end of the period (``created_at`` before the day after ``end``),
2. were due by the end of the period (``original_due_date <= end``),
3. are not cancelled (a cancelled item was withdrawn by the creditor: not collectable),
4. had not been settled before the period started: an item whose status is ``paid`` is left
   out when its settlement (the latest completed or broken agreement covering it, or the
   item's own last update when no agreement settled it) happened before ``start``.

So the portfolio is "everything that was there to collect at some point in the period",
and the recovery rate (recovered ÷ portfolio) compares like with like across periods.
Recovered amounts include charges and are net of discounts, the portfolio is principal
only: the rate can therefore exceed 100 % for a small, old portfolio.

**Segment** of a debtor — from their portfolio items: days overdue = days from the oldest
due date to ``end``; amount = the sum counted in the portfolio. A debtor with activity but
no portfolio item (everything settled earlier) is classified by all their non-cancelled
items of the creditor; with none at all, they are "sem classificação".

**Links opened** — ``link.opened`` audit events (the reminder-link page was shown) of the
creditor's links in the period; ``used_at`` alone cannot tell, since it keeps only the
last successful identity check. A debtor converts when they accepted an agreement with the
creditor at or after their first opening in the period, before the period ended.

Refunds are netted against the payment they return, whenever the refund happened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.clock import BRASILIA
from portal.domain.agreements import AgreementState
from portal.domain.kpis import (
    AccountFacts,
    KpiSummary,
    Method,
    PaymentFact,
    by_segment,
    days_between,
    summarise,
)
from portal.domain.segments import Segment
from portal.models import (
    AccessLink,
    Agreement,
    AgreementItem,
    AuditEvent,
    Creditor,
    ItemStatus,
    LinkPurpose,
    Payment,
    PendingItem,
)
from portal.services.disputes import count_by_reason, delay_reasons_by_debtor

MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30


@dataclass(frozen=True, slots=True)
class Period:
    """Brasília calendar days ``start`` to ``end``, both included."""

    start: date
    end: date

    @classmethod
    def last_days(cls, today: date, days: int = DEFAULT_PERIOD_DAYS) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @property
    def utc_start(self) -> datetime:
        return datetime.combine(self.start, time.min, BRASILIA).astimezone(UTC)

    @property
    def utc_end(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, BRASILIA).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class KpiReport:
    creditor: Creditor
    period: Period
    total: KpiSummary
    segments: list[tuple[Segment | None, KpiSummary]]
    # "Motivo do atraso" of the debtors counted, per segment: {segment: {reason: count}}
    delay_reasons: dict[Segment | None, dict[str, int]] = field(default_factory=dict)

    def delay_reasons_of(self, segment: Segment | None) -> dict[str, int]:
        return self.delay_reasons.get(segment) or count_by_reason(())

    @property
    def delay_reasons_total(self) -> dict[str, int]:
        total = count_by_reason(())
        for counts in self.delay_reasons.values():
            for reason, n in counts.items():
                total[reason] += n
        return total


def _local_date(moment: datetime) -> date:
    return moment.astimezone(BRASILIA).date()


@dataclass
class _Items:
    portfolio: dict[int, list[tuple[int, date]]]
    fallback: dict[int, list[tuple[int, date]]]


def _items(session: DbSession, creditor_id: int, period: Period) -> _Items:
    settled = dict(
        session.execute(
            sa.select(AgreementItem.pending_item_id, sa.func.max(Agreement.state_changed_at))
            .join(Agreement, Agreement.id == AgreementItem.agreement_id)
            .where(
                Agreement.creditor_id == creditor_id,
                Agreement.state.in_([AgreementState.COMPLETED, AgreementState.BROKEN]),
            )
            .group_by(AgreementItem.pending_item_id)
        ).all()
    )
    rows = session.execute(
        sa.select(
            PendingItem.id,
            PendingItem.debtor_id,
            PendingItem.original_amount_cents,
            PendingItem.original_due_date,
            PendingItem.status,
            PendingItem.created_at,
            PendingItem.updated_at,
        ).where(PendingItem.creditor_id == creditor_id, PendingItem.status != ItemStatus.CANCELLED)
    ).all()
    result = _Items(defaultdict(list), defaultdict(list))
    for item_id, debtor_id, amount, due, status, created_at, updated_at in rows:
        result.fallback[debtor_id].append((amount, due))
        if created_at >= period.utc_end or due > period.end:
            continue
        if status == ItemStatus.PAID:
            settled_at = _aware(settled.get(item_id) or updated_at)
            if settled_at < period.utc_start:
                continue
        result.portfolio[debtor_id].append((amount, due))
    return result


def _aware(value: datetime) -> datetime:
    """Aggregates (``max``) skip the column type on SQLite and come back naive: they are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _segment(items: list[tuple[int, date]], end: date) -> Segment | None:
    if not items:
        return None
    oldest = min(due for _, due in items)
    return Segment.of(days_between(oldest, end), sum(amount for amount, _ in items))


def _in_period(column: Any, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.utc_start, column < period.utc_end)


def _first_by_debtor(rows: Iterable[Any]) -> dict[int, datetime]:
    return {debtor_id: _aware(moment) for debtor_id, moment in rows if moment is not None}


def creditor_kpis(session: DbSession, creditor: Creditor, period: Period) -> KpiReport:
    """Every KPI of ``creditor`` for ``period``, in total and per segment."""
    cid = creditor.id
    items = _items(session, cid, period)

    payments: dict[int, list[PaymentFact]] = defaultdict(list)
    for debtor_id, method, applied, excess, refunded in session.execute(
        sa.select(
            Agreement.debtor_id,
            Payment.method,
            Payment.applied_cents,
            Payment.excess_cents,
            Payment.refunded_cents,
        )
        .join(Agreement, Agreement.id == Payment.agreement_id)
        .where(
            Agreement.creditor_id == cid,
            Payment.applied_cents > 0,
            _in_period(Payment.succeeded_at, period),
        )
    ):
        payments[debtor_id].append(PaymentFact(Method(method), applied, excess, refunded))

    made: dict[int, list[datetime]] = defaultdict(list)
    for debtor_id, created_at in session.execute(
        sa.select(Agreement.debtor_id, Agreement.created_at).where(
            Agreement.creditor_id == cid, _in_period(Agreement.created_at, period)
        )
    ):
        made[debtor_id].append(created_at)

    outcomes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for debtor_id, state, count in session.execute(
        sa.select(Agreement.debtor_id, Agreement.state, sa.func.count())
        .where(
            Agreement.creditor_id == cid,
            Agreement.state.in_(
                [AgreementState.COMPLETED, AgreementState.BROKEN, AgreementState.LAPSED]
            ),
            _in_period(Agreement.state_changed_at, period),
        )
        .group_by(Agreement.debtor_id, Agreement.state)
    ):
        outcomes[debtor_id][state] = count

    first_link = _first_by_debtor(
        session.execute(
            sa.select(AccessLink.debtor_id, sa.func.min(AccessLink.created_at))
            .where(AccessLink.creditor_id == cid, AccessLink.purpose == LinkPurpose.REMINDER)
            .group_by(AccessLink.debtor_id)
        )
    )
    first_payment = _first_by_debtor(
        session.execute(
            sa.select(Agreement.debtor_id, sa.func.min(Payment.succeeded_at))
            .join(Agreement, Agreement.id == Payment.agreement_id)
            .where(Agreement.creditor_id == cid, Payment.applied_cents > 0)
            .group_by(Agreement.debtor_id)
        )
    )
    opened = _first_by_debtor(
        session.execute(
            sa.select(AccessLink.debtor_id, sa.func.min(AuditEvent.occurred_at))
            .join(AccessLink, AuditEvent.subject_id == sa.cast(AccessLink.id, sa.String))
            .where(
                AuditEvent.action == "link.opened",
                AuditEvent.subject_type == "access_link",
                AuditEvent.creditor_id == cid,
                AccessLink.creditor_id == cid,
                _in_period(AuditEvent.occurred_at, period),
            )
            .group_by(AccessLink.debtor_id)
        )
    )

    debtors = (set(items.portfolio) | set(payments) | set(made) | set(outcomes) | set(opened)) | {
        d for d, moment in first_payment.items() if period.utc_start <= moment < period.utc_end
    }
    reasons = delay_reasons_by_debtor(session, cid)
    reasons_by_segment: dict[Segment | None, list[str]] = defaultdict(list)
    accounts = []
    for debtor_id in sorted(debtors):
        days_to_pay = None
        paid_at, linked_at = first_payment.get(debtor_id), first_link.get(debtor_id)
        if (
            paid_at is not None
            and linked_at is not None
            and period.utc_start <= paid_at < period.utc_end
            and linked_at <= paid_at
        ):
            days_to_pay = days_between(_local_date(linked_at), _local_date(paid_at))
        opened_at = opened.get(debtor_id)
        states = outcomes.get(debtor_id, {})
        segment = _segment(items.portfolio.get(debtor_id, []), period.end) or _segment(
            items.fallback.get(debtor_id, []), period.end
        )
        if debtor_id in reasons:
            reasons_by_segment[segment].append(reasons[debtor_id])
        accounts.append(
            AccountFacts(
                segment=segment,
                portfolio_cents=sum(amount for amount, _ in items.portfolio.get(debtor_id, [])),
                payments=tuple(payments.get(debtor_id, ())),
                agreements_made=len(made.get(debtor_id, ())),
                agreements_completed=states.get(AgreementState.COMPLETED, 0),
                agreements_broken=states.get(AgreementState.BROKEN, 0),
                agreements_lapsed=states.get(AgreementState.LAPSED, 0),
                opened_link=opened_at is not None,
                converted=opened_at is not None
                and any(_aware(at) >= opened_at for at in made.get(debtor_id, ())),
                days_to_first_payment=days_to_pay,
            )
        )
    return KpiReport(
        creditor,
        period,
        summarise(accounts),
        by_segment(accounts),
        {segment: count_by_reason(found) for segment, found in reasons_by_segment.items()},
    )
