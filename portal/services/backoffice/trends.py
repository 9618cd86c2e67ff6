"""KPIs week by week: the period cut into Monday-to-Sunday weeks (the first and last ones
clipped to the period), each computed as its own period by ``creditor_kpis``.

A week's figures follow the same definitions as any period (``kpis`` and docs/kpis.md):
its portfolio is what was there to collect during that week, so rates compare like with
like from one week to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.core import DbSession
from portal.domain.kpis import KpiSummary
from portal.models import Creditor
from portal.services.backoffice.kpis import Period, creditor_kpis

MAX_TREND_WEEKS = 26
DEFAULT_TREND_WEEKS = 12


@dataclass(frozen=True, slots=True)
class WeekKpis:
    week: Period
    summary: KpiSummary


def weeks_of(period: Period, max_weeks: int = MAX_TREND_WEEKS) -> list[Period]:
    """The Monday-to-Sunday weeks of ``period``, oldest first, clipped to it; only the
    latest ``max_weeks`` when there are more."""
    weeks = []
    start = period.start
    while start <= period.end:
        sunday = start + timedelta(days=6 - start.weekday())
        weeks.append(Period(start, min(sunday, period.end)))
        start = sunday + timedelta(days=1)
    return weeks[-max_weeks:]


def default_trend_period(today: date, weeks: int = DEFAULT_TREND_WEEKS) -> Period:
    """The last ``weeks`` whole weeks up to today (this week so far included)."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=weeks - 1), today)


def weekly_kpis(session: DbSession, creditor: Creditor, period: Period) -> list[WeekKpis]:
    return [
        WeekKpis(week, creditor_kpis(session, creditor, week).total) for week in weeks_of(period)
    ]
