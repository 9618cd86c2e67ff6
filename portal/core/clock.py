"""The one place that reads the clock, so tests can freeze it (time-machine)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_br() -> date:
    """Today's date in Brasília: due dates and days overdue are counted in local days."""
    return datetime.now(BRASILIA).date()
