import math
from decimal import Decimal
from fractions import Fraction

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.errors import InvalidAmount
from portal.domain.price import (
    PriceSchedule,
    max_last_deviation_cents,
    price_payment,
    price_schedule,
    smallest_level_payment_cents,
    within_level_tolerance,
)

from .conftest import DOMAIN

RATE_095 = Decimal("0.0095")
rates = st.decimals(0, 10, places=4).map(lambda pct: pct / 100)
principals = st.integers(0, 10**9)
counts = st.integers(1, 60)


def test_hand_checked_schedule() -> None:
    # PV 1.000,00 at 0,95 % a.m. over 5 months (notes/payments.md §8, table checked by hand).
    schedule = price_schedule(100_000, RATE_095, 5)
    assert schedule == PriceSchedule(
        payment_cents=20_574,
        amounts=(20_574, 20_574, 20_574, 20_574, 20_572),
        interests=(950, 764, 575, 385, 194),
        amortizations=(19_624, 19_810, 19_999, 20_189, 20_378),
        balances=(80_376, 60_566, 40_567, 20_378, 0),
    )
    assert schedule.total_cents == 102_868
    assert schedule.total_interest_cents == 2_868


@pytest.mark.parametrize(
    ("principal", "count", "amounts"),
    [
        (100_000, 3, (33_333, 33_333, 33_334)),
        (20_000, 3, (6_667, 6_667, 6_666)),  # 66,666… rounds up; the last gives it back
        (100_000, 4, (25_000, 25_000, 25_000, 25_000)),
        (1, 1, (1,)),
        (1, 2, (1, 0)),  # 0,5 centavo rounds up; nothing left for the last
        (2, 4, (1, 1, 0, 0)),  # capped at what is owed: never negative
        (3, 2, (2, 1)),
        (0, 3, (0, 0, 0)),
    ],
)
def test_rate_zero_and_one_centavo_edges(
    principal: int, count: int, amounts: tuple[int, ...]
) -> None:
    schedule = price_schedule(principal, Decimal(0), count)
    assert schedule.amounts == amounts
    assert schedule.interests == (0,) * count
    assert schedule.balances[-1] == 0


def test_interest_rounds_half_up() -> None:
    # 50 centavos at 1 %: 0,5 centavo of interest → 1 (half-even would say 0).
    schedule = price_schedule(50, Decimal("0.01"), 1)
    assert schedule.interests == (1,)
    assert schedule.amounts == (51,)


@pytest.mark.parametrize(
    ("principal", "rate", "count"),
    [(100_000, "0.0095", 5), (250_000, "0.0199", 24), (12_345, "0.001", 7), (10**9, "0.05", 60)],
)
def test_payment_matches_numpy_financial(principal: int, rate: str, count: int) -> None:
    expected = -npf.pmt(float(rate), count, principal)
    assert abs(float(price_payment(principal, Decimal(rate), count)) - expected) < 1e-6


@pytest.mark.parametrize(
    ("principal", "rate", "count", "field"),
    [
        (-1, RATE_095, 5, "principal_cents"),
        (100, RATE_095, 0, "count"),
        (100, RATE_095, 2.0, "count"),
        (100, Decimal("-0.01"), 2, "rate"),
        (100, Decimal("NaN"), 2, "rate"),
        (100, 0.01, 2, "rate"),
    ],
)
def test_validation(principal: int, rate: Decimal, count: int, field: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        price_schedule(principal, rate, count)
    assert caught.value.params == {"field": field}


@DOMAIN
@given(principal=principals, rate=rates, count=counts)
def test_every_schedule_sums_exactly(principal: int, rate: Decimal, count: int) -> None:
    schedule = price_schedule(principal, rate, count)
    assert len(schedule.amounts) == count
    assert schedule.total_cents == principal + schedule.total_interest_cents
    assert sum(schedule.amortizations) == principal
    assert schedule.balances[-1] == 0
    assert min(schedule.amounts + schedule.interests + schedule.balances) >= 0
    if schedule.is_level:  # otherwise an installment may not even cover the month's interest
        assert min(schedule.amortizations) >= 0


def _exact_balances(principal: int, rate: Decimal, amounts: tuple[int, ...]) -> list[Fraction]:
    """Balances carried without rounding, independently of the module under test."""
    growth = 1 + Fraction(rate)
    balances, balance = [], Fraction(principal)
    for amount in amounts:
        balance = balance * growth - amount
        balances.append(balance)
    return balances


def _present_value(rate: Decimal, amounts: tuple[int, ...]) -> Fraction:
    growth = 1 + Fraction(rate)
    return sum((amount / growth**k for k, amount in enumerate(amounts, start=1)), Fraction(0))


@DOMAIN
@given(principal=principals, rate=rates, count=counts)
def test_balances_are_the_exact_ones_rounded_half_up(
    principal: int, rate: Decimal, count: int
) -> None:
    schedule = price_schedule(principal, rate, count)
    if not schedule.is_level:
        return  # capped schedules are covered by test_every_schedule_sums_exactly
    for shown, exact in zip(
        schedule.balances, _exact_balances(principal, rate, schedule.amounts), strict=True
    ):
        assert shown == math.floor(exact + Fraction(1, 2))


# --- level schedules (issue 13) -----------------------------------------------------------------


@pytest.mark.parametrize(("principal", "last"), [(100_000, 0), (1_000_000, 211_826)])
def test_fifteen_percent_over_72_months_is_not_level(principal: int, last: int) -> None:
    # The issue: 1.000,00 ended with 43,39, 0,00, 0,00 and 10.000,00 with 2.157,99 against
    # 1.500,06, and nothing said so. Such a schedule now says it is not level.
    schedule = price_schedule(principal, Decimal("0.15"), 72)
    assert schedule.amounts[-1] == last
    assert not schedule.is_level
    assert max_last_deviation_cents(Decimal("0.15"), 72) == 78_182
    assert smallest_level_payment_cents(Decimal("0.15"), 72) == 7_818_200


@pytest.mark.parametrize(
    ("payment", "last", "level"),
    [
        (10_000, 10_100, True),
        (10_000, 9_900, True),
        (10_000, 10_101, False),
        (10_000, 9_899, False),
        (50, 51, True),  # 1 % of 0,50 is less than a centavo: 1 centavo is allowed
        (50, 49, True),
        (50, 52, False),
    ],
)
def test_level_tolerance(payment: int, last: int, level: bool) -> None:
    assert within_level_tolerance(payment, last) is level


@pytest.mark.parametrize(
    ("rate", "count", "deviation", "smallest"),
    [
        ("0", 1, 0, 1),
        ("0", 3, 1, 2),
        ("0", 119, 59, 5_900),
        ("0.0095", 5, 3, 300),
        ("0.0249", 23, 15, 1_500),
        ("0.0095", 119, 110, 11_000),
        ("0.2", 1, 1, 2),
    ],
)
def test_the_deviation_bound(rate: str, count: int, deviation: int, smallest: int) -> None:
    assert max_last_deviation_cents(Decimal(rate), count) == deviation
    assert smallest_level_payment_cents(Decimal(rate), count) == smallest


def test_the_bound_is_reached() -> None:
    # 0 %: 5.000,49 × 119 − 0,01 … the last takes the whole remainder, 59 centavos.
    schedule = price_schedule(119 * 5_000 + 59, Decimal(0), 119)
    assert (schedule.payment_cents, schedule.amounts[-1]) == (5_000, 5_059)
    assert schedule.amounts[-1] - schedule.payment_cents == max_last_deviation_cents(
        Decimal(0), 119
    )


# The range the policy editor allows: up to 20 % a month, up to 120 payments (119 after the
# entrada), any regular installment from the smallest that keeps the schedule level.
EDITOR_RATES = st.decimals(0, 20, places=2).map(lambda pct: pct / 100)
EDITOR_COUNTS = st.integers(1, 119)


@st.composite
def editor_schedules(draw: st.DrawFn) -> tuple[int, Decimal, int]:
    rate, count = draw(EDITOR_RATES), draw(EDITOR_COUNTS)
    smallest = smallest_level_payment_cents(rate, count)
    payment = draw(st.integers(smallest, max(smallest, 10**9)))
    annuity = (
        Fraction(count) if rate == 0 else (1 - (1 + Fraction(rate)) ** -count) / Fraction(rate)
    )
    principal = math.ceil(payment * annuity) + draw(st.integers(0, 10**6))
    return principal, rate, count


@DOMAIN
@given(case=editor_schedules())
def test_schedules_in_the_editors_range_are_level(case: tuple[int, Decimal, int]) -> None:
    principal, rate, count = case
    schedule = price_schedule(principal, rate, count)
    assert schedule.payment_cents >= smallest_level_payment_cents(rate, count)
    assert schedule.is_level
    assert min(schedule.amounts) > 0  # no zero installment
    assert set(schedule.amounts[:-1]) <= {schedule.payment_cents}
    assert within_level_tolerance(schedule.payment_cents, schedule.amounts[-1])


@DOMAIN
@given(case=editor_schedules())
def test_schedules_are_worth_the_principal(case: tuple[int, Decimal, int]) -> None:
    principal, rate, count = case
    schedule = price_schedule(principal, rate, count)
    # Discounted at the plan rate month by month, within half a centavo of what was financed.
    assert abs(_present_value(rate, schedule.amounts) - principal) <= Fraction(1, 2)
    assert schedule.total_cents == principal + schedule.total_interest_cents


@DOMAIN
@given(principal=principals, rate=rates, count=counts)
def test_the_deviation_bound_holds_for_every_uncapped_schedule(
    principal: int, rate: Decimal, count: int
) -> None:
    schedule = price_schedule(principal, rate, count)
    if set(schedule.amounts[:-1]) <= {schedule.payment_cents}:
        deviation = abs(schedule.amounts[-1] - schedule.payment_cents)
        assert deviation <= max_last_deviation_cents(rate, count)


@DOMAIN
@given(principal=principals, rate=rates, count=st.integers(1, 59))
def test_more_installments_never_mean_a_larger_installment(
    principal: int, rate: Decimal, count: int
) -> None:
    shorter = price_schedule(principal, rate, count)
    longer = price_schedule(principal, rate, count + 1)
    assert longer.payment_cents <= shorter.payment_cents


@DOMAIN
@given(principal=principals, rate=rates.filter(lambda r: r > 0), count=st.integers(1, 59))
def test_with_a_positive_rate_the_total_grows_with_n(
    principal: int, rate: Decimal, count: int
) -> None:
    shorter = price_schedule(principal, rate, count)
    longer = price_schedule(principal, rate, count + 1)
    assert longer.total_cents >= shorter.total_cents
    # Strictly, as soon as the extra month carries at least one centavo of interest.
    if longer.interests[-1] > 0:
        assert longer.total_cents > shorter.total_cents
