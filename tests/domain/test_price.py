from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.errors import InvalidAmount
from portal.domain.price import PriceSchedule, price_payment, price_schedule

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
    assert min(schedule.amortizations) >= 0


@DOMAIN
@given(principal=principals, rate=rates, count=counts)
def test_integer_rounding_equals_decimal_half_up(principal: int, rate: Decimal, count: int) -> None:
    schedule = price_schedule(principal, rate, count)
    balance = principal
    for amount, interest in zip(schedule.amounts, schedule.interests, strict=True):
        expected = (balance * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert interest == int(expected)
        balance += interest - amount


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
