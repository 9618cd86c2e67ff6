import importlib.util
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain import calendar as calendar_module
from portal.domain.calendar import (
    BankCalendar,
    add_months,
    anbima_calendar,
    days_in_month,
    parse_holiday_file,
)
from portal.domain.errors import CalendarUnavailable

from .conftest import DOMAIN


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 14), date(2026, 2, 18)),  # Saturday before Carnival → Ash Wednesday
        (date(2026, 2, 16), date(2026, 2, 18)),  # Carnival Monday
        (date(2026, 2, 17), date(2026, 2, 18)),  # Carnival Tuesday
        (date(2026, 4, 3), date(2026, 4, 6)),  # Good Friday
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas (Friday)
        (date(2025, 12, 25), date(2025, 12, 26)),  # Christmas (Thursday)
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year (Friday)
        (date(2026, 1, 1), date(2026, 1, 2)),  # New Year (Thursday)
        (date(2026, 11, 20), date(2026, 11, 23)),  # Consciência Negra (national since 2024)
        (date(2026, 6, 4), date(2026, 6, 5)),  # Corpus Christi
    ],
)
def test_non_business_days_roll_forward(anbima: BankCalendar, day: date, expected: date) -> None:
    assert not anbima.is_business_day(day)
    assert anbima.following(day) == expected


@pytest.mark.parametrize(
    "day",
    [date(2026, 2, 18), date(2026, 12, 24), date(2026, 12, 31), date(2026, 2, 13)],
)
def test_business_days_never_move(anbima: BankCalendar, day: date) -> None:
    # Ash Wednesday, 24 Dec and 31 Dec are bank business days.
    assert anbima.is_business_day(day)
    assert anbima.following(day) == day


@DOMAIN
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)))
def test_following_is_the_first_business_day_on_or_after(day: date) -> None:
    anbima = anbima_calendar()
    rolled = anbima.following(day)
    assert anbima.is_business_day(rolled)
    assert rolled >= day
    assert (rolled == day) == anbima.is_business_day(day)
    skipped = (day + timedelta(days=k) for k in range((rolled - day).days))
    assert not any(anbima.is_business_day(other) for other in skipped)


def test_anbima_matches_bizdays_day_by_day(anbima: BankCalendar) -> None:
    from bizdays import Calendar  # test-only cross-check; the domain never imports bizdays

    reference = Calendar.load("ANBIMA")
    assert anbima.holidays == frozenset(reference.holidays)
    day, last = date(2000, 1, 1), date(2099, 12, 15)
    while day <= last:
        assert anbima.is_business_day(day) == reference.isbizday(day), day
        assert anbima.following(day) == reference.following(day), day
        day += timedelta(days=1)


def test_anbima_is_cached_and_does_not_import_bizdays() -> None:
    assert anbima_calendar() is anbima_calendar()
    code = (
        "import sys\n"
        "from portal.domain.calendar import anbima_calendar\n"
        "calendar = anbima_calendar()\n"
        "assert calendar.name == 'ANBIMA' and len(calendar.holidays) > 1200\n"
        "assert 'bizdays' not in sys.modules and 'pandas' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_vendored_calendar_matches_the_bizdays_package() -> None:
    """The copy under portal/domain/data is the file bizdays ships (when bizdays is installed)."""
    spec = importlib.util.find_spec("bizdays")
    if spec is None or spec.origin is None:
        pytest.skip("bizdays (a dev dependency) is not installed")
    packaged = Path(spec.origin).with_name("ANBIMA.cal").read_text(encoding="ascii")
    assert calendar_module.ANBIMA_FILE.read_text(encoding="ascii") == packaged


def test_anbima_unavailable_without_its_data_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(calendar_module, "ANBIMA_FILE", tmp_path / "missing.cal")
    anbima_calendar.cache_clear()
    try:
        with pytest.raises(CalendarUnavailable) as caught:
            anbima_calendar()
        assert caught.value.params == {"name": "ANBIMA"}
    finally:
        anbima_calendar.cache_clear()


def test_parse_holiday_file() -> None:
    text = "Saturday\nSunday\n\n2026-02-16\n 2026-02-17 \n2026-02-16\n"
    assert parse_holiday_file(text, "X") == {date(2026, 2, 16), date(2026, 2, 17)}


@pytest.mark.parametrize("line", ["Monday", "16/02/2026", "2026-02-30"])
def test_parse_holiday_file_rejects_unknown_lines(line: str) -> None:
    with pytest.raises(CalendarUnavailable) as caught:
        parse_holiday_file(f"Saturday\n{line}\n", "X")
    assert caught.value.params == {"name": "X"}


def test_custom_calendar() -> None:
    calendar = BankCalendar(frozenset({date(2026, 3, 2)}))
    assert calendar.name == "custom"
    assert calendar.following(date(2026, 2, 28)) == date(2026, 3, 3)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 2, date(2026, 3, 31)),  # from the anchor, not chained
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 11, 30), 14, date(2028, 1, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 2, 16), 0, date(2026, 2, 16)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("year", "month", "days"), [(2026, 2, 28), (2028, 2, 29), (2026, 12, 31), (2026, 4, 30)]
)
def test_days_in_month(year: int, month: int, days: int) -> None:
    assert days_in_month(year, month) == days


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 12, 4), 0, date(2026, 12, 4)),  # zero: the day itself
        (date(2026, 12, 4), 1, date(2026, 12, 7)),  # Friday + 1 → Monday
        (date(2026, 12, 5), 1, date(2026, 12, 7)),  # Saturday + 1 → Monday
        (date(2026, 12, 21), 10, date(2027, 1, 6)),  # Christmas and New Year skipped
        (date(2026, 2, 13), 1, date(2026, 2, 18)),  # Carnival skipped
    ],
)
def test_add_business_days_skips_weekends_and_holidays(
    day: date, count: int, expected: date
) -> None:
    assert anbima_calendar().add_business_days(day, count) == expected


def test_add_business_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        anbima_calendar().add_business_days(date(2026, 12, 4), -1)
