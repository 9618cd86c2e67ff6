"""Bank business days and month arithmetic for due dates.

A ``BankCalendar`` is a frozenset of holidays plus the Saturday/Sunday weekend. Due dates that fall
on a non-business day move to the next business day ("prorrogação para o primeiro dia útil
subsequente"); a business day never moves.

``anbima_calendar()`` returns the ANBIMA national bank calendar from ``data/ANBIMA.cal`` beside
this module (2000-01-01 to 2099-12-31, one ISO date per line plus the weekend day names): a copy
of the file the ``bizdays`` package ships, kept here so production needs no pandas (see
``data/README.md``). It is read once and cached for the life of the process. This is the one
read in ``portal.domain``, and it reads a file of the package, not user input or the network.
"""

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from portal.domain.errors import CalendarUnavailable

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
_WEEKEND_NAMES = frozenset({"saturday", "sunday"})
ANBIMA_FILE = Path(__file__).resolve().parent / "data" / "ANBIMA.cal"


@dataclass(frozen=True, slots=True)
class BankCalendar:
    """Business days: Monday to Friday except the given holidays."""

    holidays: frozenset[date]
    name: str = "custom"

    def is_business_day(self, day: date) -> bool:
        """True when ``day`` is Monday to Friday and not a holiday."""
        return day.weekday() < _SATURDAY and day not in self.holidays

    def following(self, day: date) -> date:
        """``day`` itself if it is a business day, otherwise the next business day."""
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def add_business_days(self, day: date, count: int) -> date:
        """The ``count``-th business day after ``day`` (``day`` itself never counts).

        Raises ``ValueError`` for a negative ``count``; zero returns ``day`` unchanged.
        """
        if count < 0:
            raise ValueError("count must not be negative")
        while count:
            day += _ONE_DAY
            if self.is_business_day(day):
                count -= 1
        return day


def days_in_month(year: int, month: int) -> int:
    """Number of days of ``month`` in ``year`` (Gregorian)."""
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb).

    Always computed from the anchor, never chained, so 31 Jan + 2 is 31 Mar, not 28 Mar.
    """
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def parse_holiday_file(text: str, name: str) -> frozenset[date]:
    """Parse the bizdays ``.cal`` format: one ISO date per line and the weekend day names.

    Blank lines are ignored. Raises ``CalendarUnavailable(name)`` on any other line, including a
    weekday other than Saturday or Sunday (this calendar only models a Saturday/Sunday weekend).
    """
    holidays: set[date] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.lower() in _WEEKEND_NAMES:
            continue
        try:
            holidays.add(date.fromisoformat(line))
        except ValueError:
            raise CalendarUnavailable(name) from None
    return frozenset(holidays)


@functools.cache
def anbima_calendar() -> BankCalendar:
    """The ANBIMA national bank calendar, read once from ``data/ANBIMA.cal``.

    Raises ``CalendarUnavailable("ANBIMA")`` if the file is missing or unreadable.
    """
    path = ANBIMA_FILE
    try:
        text = path.read_text(encoding="ascii")
    except OSError:
        raise CalendarUnavailable("ANBIMA") from None
    return BankCalendar(parse_holiday_file(text, "ANBIMA"), "ANBIMA")
