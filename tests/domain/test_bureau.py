"""Removal from the credit bureaus: the Súmula 548 deadline and the tracker's states."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.bureau import (
    REMOVAL_BUSINESS_DAYS,
    RemovalDateProblem,
    RemovalState,
    business_days_between,
    parse_yes_no,
    removal_date_problem,
    removal_deadline,
    removal_status,
)
from portal.domain.calendar import BankCalendar

PLAIN = BankCalendar(frozenset())


def test_the_deadline_is_five_business_days_after_payment() -> None:
    assert REMOVAL_BUSINESS_DAYS == 5
    # Paid on Monday 2026-03-02: Tue, Wed, Thu, Fri, Mon → Monday 2026-03-09.
    assert removal_deadline(date(2026, 3, 2), PLAIN) == date(2026, 3, 9)
    # Paid on a Friday: the weekend does not count.
    assert removal_deadline(date(2026, 3, 6), PLAIN) == date(2026, 3, 13)


def test_a_payment_on_a_weekend_counts_from_the_next_business_day() -> None:
    # Saturday 2026-03-07: Mon 9 … Fri 13.
    assert removal_deadline(date(2026, 3, 7), PLAIN) == date(2026, 3, 13)


def test_national_holidays_move_the_deadline(anbima: BankCalendar) -> None:
    # Paid Friday 2026-02-13: Carnival Monday and Tuesday (16, 17) are not business days.
    assert removal_deadline(date(2026, 2, 13), anbima) == date(2026, 2, 24)
    assert removal_deadline(date(2026, 2, 13), PLAIN) == date(2026, 2, 20)


def test_business_days_between() -> None:
    assert business_days_between(date(2026, 3, 6), date(2026, 3, 9), PLAIN) == 1
    assert business_days_between(date(2026, 3, 2), date(2026, 3, 9), PLAIN) == 5
    assert business_days_between(date(2026, 3, 9), date(2026, 3, 9), PLAIN) == 0
    assert business_days_between(date(2026, 3, 10), date(2026, 3, 9), PLAIN) == 0


def test_waiting_until_the_deadline_with_the_business_days_left() -> None:
    paid = date(2026, 3, 2)
    status = removal_status(paid, None, paid, PLAIN)
    assert status.state is RemovalState.WAITING
    assert status.deadline == date(2026, 3, 9)
    assert status.business_days_left == 5
    assert not status.is_done
    on_deadline = removal_status(paid, None, date(2026, 3, 9), PLAIN)
    assert on_deadline.state is RemovalState.WAITING
    assert on_deadline.business_days_left == 0
    assert on_deadline.days_late == 0


def test_overdue_the_day_after_the_deadline() -> None:
    status = removal_status(date(2026, 3, 2), None, date(2026, 3, 12), PLAIN)
    assert status.state is RemovalState.OVERDUE
    assert status.days_late == 3
    assert status.business_days_left == 0
    assert status.confirmed_on is None
    assert not status.is_done


def test_confirmed_on_time_is_done_whatever_today_is() -> None:
    status = removal_status(date(2026, 3, 2), date(2026, 3, 9), date(2026, 6, 1), PLAIN)
    assert status.state is RemovalState.DONE
    assert status.is_done
    assert status.days_late == 0
    assert status.confirmed_on == date(2026, 3, 9)


def test_confirmed_after_the_deadline_is_done_late() -> None:
    status = removal_status(date(2026, 3, 2), date(2026, 3, 11), date(2026, 3, 11), PLAIN)
    assert status.state is RemovalState.DONE_LATE
    assert status.is_done
    assert status.days_late == 2


def test_removal_date_problems() -> None:
    today, due = date(2026, 3, 10), date(2026, 1, 5)
    assert removal_date_problem(date(2026, 3, 11), due, today) is RemovalDateProblem.FUTURE
    assert removal_date_problem(date(2026, 1, 4), due, today) is RemovalDateProblem.BEFORE_DEBT
    assert removal_date_problem(today, due, today) is None
    assert removal_date_problem(due, due, today) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sim", True),
        (" S ", True),
        ("X", True),
        ("1", True),
        ("não", False),
        ("NÃO", False),
        ("nao", False),
        ("", False),
        ("0", False),
        ("talvez", None),
    ],
)
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected
