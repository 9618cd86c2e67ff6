"""The one place that reads the clock, so tests can freeze it (time-machine).

Outside production the clock can also be shifted by whole days (``CLOCK_OFFSET_DAYS``, set
once by the application factory), so a browser test or a demo can come back "a month later"
to a server that runs on real time otherwise. Production refuses the setting at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")


@dataclass
class _Shift:
    offset: timedelta = timedelta(0)


_shift = _Shift()


def set_offset(offset: timedelta) -> None:
    """Shift what :func:`now_utc` and :func:`today_br` say, process-wide (development and
    tests only: ``create_app`` refuses a shift in production)."""
    _shift.offset = offset


def offset() -> timedelta:
    return _shift.offset


def now_utc() -> datetime:
    return datetime.now(UTC) + _shift.offset


def today_br() -> date:
    """Today's date in Brasília: due dates and days overdue are counted in local days."""
    return (datetime.now(BRASILIA) + _shift.offset).date()
