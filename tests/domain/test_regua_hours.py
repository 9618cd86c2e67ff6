"""Quiet hours in the debtor's time zone, holidays, company windows and caps."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain.calendar import anbima_calendar
from portal.domain.regua_hours import (
    DEFAULT_ZONE,
    CapExceeded,
    Caps,
    DayWindow,
    InvalidWindow,
    SendingWindow,
    zone_for_phone,
)

HOLIDAYS = anbima_calendar().holidays
DEFAULT = SendingWindow()
SP = ZoneInfo("America/Sao_Paulo")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SP)


MONDAY = date(2026, 9, 14)
SATURDAY = date(2026, 9, 19)
SUNDAY = date(2026, 9, 20)
CONSCIENCIA_NEGRA = date(2026, 11, 20)  # a Friday, national holiday since 2024
CARNAVAL_MONDAY = date(2026, 2, 16)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(MONDAY, 7, 59), False),
        (at(MONDAY, 8, 0), True),
        (at(MONDAY, 19, 59), True),
        (at(MONDAY, 20, 0), False),
        (at(SATURDAY, 7, 59), False),
        (at(SATURDAY, 8, 0), True),
        (at(SATURDAY, 13, 59), True),
        (at(SATURDAY, 14, 0), False),
        (at(SUNDAY, 10, 0), False),
        (at(CONSCIENCIA_NEGRA, 10, 0), False),
        (at(CONSCIENCIA_NEGRA - timedelta(days=1), 10, 0), True),
        (at(CARNAVAL_MONDAY, 10, 0), False),
    ],
)
def test_default_window(moment: datetime, allowed: bool) -> None:
    assert DEFAULT.allows(moment, HOLIDAYS) is allowed


def test_the_debtors_own_clock_decides() -> None:
    """10:00 in São Paulo is 08:00 in Rio Branco (Acre): allowed; 08:30 SP is 06:30 there."""
    rio_branco = ZoneInfo(zone_for_phone("+5568999990000"))
    assert DEFAULT.allows(at(MONDAY, 10).astimezone(rio_branco), HOLIDAYS)
    assert not DEFAULT.allows(at(MONDAY, 8, 30).astimezone(rio_branco), HOLIDAYS)
    assert DEFAULT.allows(at(MONDAY, 8, 30), HOLIDAYS)


def test_a_company_may_narrow_the_window_and_skip_saturday() -> None:
    window = SendingWindow(DayWindow(time(9), time(18)), None)
    assert not window.allows(at(MONDAY, 8, 30), HOLIDAYS)
    assert window.allows(at(MONDAY, 9), HOLIDAYS)
    assert not window.allows(at(MONDAY, 18), HOLIDAYS)
    assert not window.allows(at(SATURDAY, 10), HOLIDAYS)
    assert window.on(SATURDAY, HOLIDAYS) is None


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: SendingWindow(DayWindow(time(7), time(18))), "weekday_window"),
        (lambda: SendingWindow(DayWindow(time(9), time(21))), "weekday_window"),
        (lambda: SendingWindow(saturday=DayWindow(time(8), time(15))), "saturday_window"),
        (lambda: DayWindow(time(12), time(12)), "window_order"),
        (lambda: DayWindow(time(9, tzinfo=SP), time(12)), "window_naive"),
        (lambda: DayWindow(time(9), time(12, tzinfo=SP)), "window_naive"),
    ],
)
def test_windows_beyond_the_bounds_are_refused(make: object, code: str) -> None:
    with pytest.raises(InvalidWindow) as caught:
        make()  # type: ignore[operator]
    assert caught.value.message.code == code


def test_next_opening() -> None:
    assert DEFAULT.next_opening(at(MONDAY, 10), HOLIDAYS) == at(MONDAY, 10)
    assert DEFAULT.next_opening(at(MONDAY, 6), HOLIDAYS) == at(MONDAY, 8)
    assert DEFAULT.next_opening(at(SATURDAY, 15), HOLIDAYS) == at(MONDAY + timedelta(days=7), 8)
    # Friday evening before Carnaval: Saturday morning, as Saturdays are open.
    assert DEFAULT.next_opening(at(date(2026, 2, 13), 21), HOLIDAYS) == at(date(2026, 2, 14), 8)
    no_saturday = SendingWindow(saturday=None)
    assert no_saturday.next_opening(at(date(2026, 2, 13), 21), HOLIDAYS) == at(date(2026, 2, 18), 8)
    every_day = frozenset(MONDAY + timedelta(days=n) for n in range(30))
    assert DEFAULT.next_opening(at(MONDAY, 10), every_day) is None


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        (None, DEFAULT_ZONE),
        ("+14155550100", DEFAULT_ZONE),
        ("+55", DEFAULT_ZONE),
        ("+55ab999990000", DEFAULT_ZONE),
        ("+5511999990000", DEFAULT_ZONE),
        ("+5592999990000", "America/Manaus"),
        ("+5565999990000", "America/Cuiaba"),
        ("+5568999990000", "America/Rio_Branco"),
    ],
)
def test_zone_from_the_area_code(phone: str | None, zone: str) -> None:
    assert zone_for_phone(phone) == zone


def test_caps_default_one_a_day_three_a_week() -> None:
    caps = Caps()
    today = date(2026, 9, 18)
    assert caps.check([], today) is None
    assert caps.check([today], today) is CapExceeded.DAY
    three = [today - timedelta(days=d) for d in (1, 3, 6)]
    assert caps.check(three, today) is CapExceeded.WEEK
    old = [today - timedelta(days=d) for d in (1, 3, 7)]  # the 7th day back is outside
    assert caps.check(old, today) is None
    future = [today + timedelta(days=1)] * 5  # ignored: not in the window
    assert caps.check(future, today) is None


def test_day_slots_number_todays_messages() -> None:
    caps = Caps(per_day=2, per_week=5)
    today = date(2026, 9, 18)
    assert caps.day_slot([], today) == 1
    assert caps.day_slot([today, today - timedelta(days=1)], today) == 2
    assert caps.check([today], today) is None
    assert caps.check([today, today], today) is CapExceeded.DAY


@pytest.mark.parametrize(("per_day", "per_week"), [(0, 3), (2, 1), (1, 8)])
def test_inconsistent_caps_are_refused(per_day: int, per_week: int) -> None:
    with pytest.raises(ValueError, match="caps"):
        Caps(per_day, per_week)
