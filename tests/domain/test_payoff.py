from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.errors import InvalidAmount
from portal.domain.payoff import Payoff, early_payoff
from portal.domain.price import price_schedule

from .conftest import DOMAIN

AS_OF = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("days", "amount", "expected"),
    [
        (30, 101_000, 100_000),  # one 30-day month at 1 %: 1.010,00 / 1,01
        (15, 101_000, 100_499),  # 1.010,00 / 1,01^0,5 = 1.004,987… by hand
        (0, 101_000, 101_000),  # due today: nothing to remove
        (-10, 101_000, 101_000),  # overdue: face value
        (60, 102_010, 100_000),  # 1,01² = 1,0201
    ],
)
def test_hand_checked_payoff(days: int, amount: int, expected: int) -> None:
    result = early_payoff([(AS_OF + timedelta(days=days), amount)], Decimal(1), AS_OF)
    assert result == Payoff(AS_OF, amount, expected, amount - expected)


def test_rate_zero_removes_nothing() -> None:
    rows = [(AS_OF + timedelta(days=30 * k), 33_333) for k in range(1, 4)]
    assert early_payoff(rows, Decimal(0), AS_OF).interest_removed_cents == 0


def test_paying_a_fresh_schedule_off_gives_back_the_financed_amount() -> None:
    # The 205,74 schedule on 30-day periods: its present value at 0,95 % is the 1.000,00 financed,
    # within the rounding of the schedule (½ centavo per period) and of each PV (½ each).
    schedule = price_schedule(100_000, Decimal("0.0095"), 5)
    rows = [(AS_OF + timedelta(days=30 * k), a) for k, a in enumerate(schedule.amounts, 1)]
    result = early_payoff(rows, Decimal("0.95"), AS_OF)
    assert abs(result.payoff_cents - 100_000) <= 5
    assert result.face_value_cents == 102_868


@pytest.mark.parametrize("rate", [Decimal(-1), Decimal("NaN"), 1.0])
def test_invalid_rate(rate: Decimal) -> None:
    with pytest.raises(InvalidAmount):
        early_payoff([(AS_OF, 100)], rate, AS_OF)


def test_invalid_amount() -> None:
    with pytest.raises(InvalidAmount):
        early_payoff([(AS_OF, -1)], Decimal(1), AS_OF)


@DOMAIN
@given(
    rows=st.lists(st.tuples(st.integers(-60, 900), st.integers(0, 10**8)), max_size=24),
    rate=st.decimals(0, 10, places=2),
)
def test_payoff_is_between_zero_and_face_value(rows: list[tuple[int, int]], rate: Decimal) -> None:
    remaining = [(AS_OF + timedelta(days=days), amount) for days, amount in rows]
    result = early_payoff(remaining, rate, AS_OF)
    assert 0 <= result.payoff_cents <= result.face_value_cents == sum(a for _, a in rows)
    assert result.interest_removed_cents == result.face_value_cents - result.payoff_cents
    # Paying later never costs less.
    later = early_payoff(remaining, rate, AS_OF + timedelta(days=10))
    assert later.payoff_cents >= result.payoff_cents
