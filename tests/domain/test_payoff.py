from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.calendar import add_months
from portal.domain.errors import InvalidAmount
from portal.domain.payoff import Payoff, months_elapsed, prepayment, settlement, shares
from portal.domain.price import price_schedule, smallest_level_payment_cents

from .conftest import DOMAIN

ANCHOR = date(2026, 1, 15)  # the first due date the debtor chose: month 0 of the schedule


def owed_from(amounts: tuple[int, ...], paid: int = 0) -> list[tuple[int, int]]:
    """Installments 1 … m of a schedule, the first ``paid`` already paid."""
    return [(k, amount) for k, amount in enumerate(amounts, start=1) if k > paid]


def test_payoff_on_the_release_day_is_the_amount_financed() -> None:
    # The issue: 10.000,00 at 5 % × 12 paid off on the release day gave 9.962,82 (days/30 on the
    # rolled dates against a schedule that counts months).
    schedule = price_schedule(1_000_000, Decimal("0.05"), 12)
    result = settlement(owed_from(schedule.amounts), Decimal(5), ANCHOR, ANCHOR)
    assert result == Payoff(ANCHOR, tuple(range(1, 13)), schedule.total_cents, 1_000_000)
    assert result.interest_removed_cents == schedule.total_interest_cents


def test_paying_a_month_early_removes_a_month_of_interest() -> None:
    # The terms promise it (CDC art. 52 §2): the last installment paid on the 11th installment's
    # date is worth its amount over one month of the plan rate.
    schedule = price_schedule(1_000_000, Decimal("0.05"), 12)
    last = schedule.amounts[-1]
    on_eleven = add_months(ANCHOR, 11)
    result = prepayment(owed_from(schedule.amounts, 10), 1, Decimal(5), ANCHOR, on_eleven)
    assert result.installment_numbers == (12,)
    assert result.payoff_cents == 107_459 == round(Fraction(last) / Fraction(105, 100))
    assert result.interest_removed_cents == last - 107_459


def test_settling_after_an_installment_costs_the_schedules_balance() -> None:
    schedule = price_schedule(1_000_000, Decimal("0.05"), 12)
    for paid in range(12):
        day = add_months(ANCHOR, paid)
        result = settlement(owed_from(schedule.amounts, paid), Decimal(5), ANCHOR, day)
        if paid == 0:
            assert result.payoff_cents == 1_000_000
        else:  # the last installment's own rounding, discounted: at most a centavo
            assert abs(result.payoff_cents - schedule.balances[paid - 1]) <= 1, paid


def test_hand_checked_part_of_a_month() -> None:
    # 1.010,00 due at month 1, at 1 % a month, settled half-way (15 Jan → 15 Feb: 31 days; on
    # 31 Jan, 16 days in): 1.010,00 / 1,01^(1 − 16/31) = 1.005,15… by hand.
    result = settlement([(1, 101_000)], Decimal(1), ANCHOR, date(2026, 1, 31))
    assert result.payoff_cents == 100_515


def test_shares_book_the_payoff_to_each_installment() -> None:
    # Installment 1 is due already (face value), 2 and 3 are discounted by hand:
    # 1.010,00 / 1,01^(2 − 1 − 16/31) = 1.005,15…, 1.020,10 / 1,01^(3 − 1 − 16/31) = 1.005,15….
    owed = [(3, 102_010), (1, 50_000), (2, 101_000)]
    day = add_months(ANCHOR, 1) + (date(2026, 3, 3) - date(2026, 2, 15))  # 16 of 28 days
    total = settlement(owed, Decimal(1), ANCHOR, day)
    parts = shares(owed, Decimal(1), ANCHOR, day)
    assert sum(parts) == total.payoff_cents
    assert parts[0] == 50_000  # number order; the one at face value keeps its face value
    exact = [Fraction(101_000) / Fraction(101, 100) ** (1 - Fraction(16, 28))]
    exact.append(Fraction(102_010) / Fraction(101, 100) ** (2 - Fraction(16, 28)))
    assert [abs(part - value) < 1 for part, value in zip(parts[1:], exact, strict=True)] == [
        True,
        True,
    ]


def test_shares_give_the_left_centavos_to_the_largest_remainders() -> None:
    # Three 100,00 installments at 2 % on the release day are worth 98,0392…, 96,1168… and
    # 94,2322… (by hand): 288,3883… → 288,39 in all, two centavos above the floors (288,37),
    # which go to the two largest remainders (,92 and ,69), not to the smallest (,22).
    owed = [(1, 10_000), (2, 10_000), (3, 10_000)]
    assert shares(owed, Decimal(2), ANCHOR, ANCHOR) == (9_804, 9_612, 9_423)
    assert settlement(owed, Decimal(2), ANCHOR, ANCHOR).payoff_cents == 28_839


def test_shares_with_nothing_to_remove() -> None:
    assert shares([(2, 500), (1, 700)], Decimal(0), ANCHOR, date(2026, 6, 1)) == (700, 500)


@pytest.mark.parametrize(
    ("day", "elapsed"),
    [
        (date(2026, 1, 1), Fraction(0)),  # before the release: nothing elapsed
        (ANCHOR, Fraction(0)),
        (date(2026, 1, 16), Fraction(1, 31)),
        (date(2026, 2, 14), Fraction(30, 31)),
        (date(2026, 2, 15), Fraction(1)),
        (date(2026, 3, 1), 1 + Fraction(14, 28)),
        (date(2027, 1, 15), Fraction(12)),
    ],
)
def test_months_elapsed(day: date, elapsed: Fraction) -> None:
    assert months_elapsed(ANCHOR, day) == elapsed


def test_months_elapsed_from_the_end_of_a_month() -> None:
    anchor = date(2026, 1, 31)  # month 1 is 28 Feb, month 2 is 31 Mar
    assert months_elapsed(anchor, date(2026, 2, 28)) == 1
    assert months_elapsed(anchor, date(2026, 3, 1)) == 1 + Fraction(1, 31)
    assert months_elapsed(anchor, date(2026, 3, 31)) == 2


def test_due_and_overdue_installments_count_at_face_value() -> None:
    owed = [(0, 5_000), (1, 10_000), (2, 10_000)]
    result = settlement(owed, Decimal(2), ANCHOR, add_months(ANCHOR, 1))
    # The entrada and installment 1 are due: face value; installment 2 is a month early.
    assert result.payoff_cents == 5_000 + 10_000 + 9_804  # 100,00 / 1,02 = 98,039…
    assert result.installment_numbers == (0, 1, 2)


def test_prepaying_goes_from_the_last_backwards() -> None:
    owed = [(3, 100), (1, 100), (2, 100)]
    result = prepayment(owed, 2, Decimal(0), ANCHOR, ANCHOR)
    assert result.installment_numbers == (2, 3)
    assert (result.face_value_cents, result.payoff_cents) == (200, 200)  # 0 %: nothing removed


@pytest.mark.parametrize(
    ("owed", "rate", "field"),
    [
        ([(1, 100)], Decimal(-1), "monthly_rate_pct"),
        ([(1, 100)], Decimal("NaN"), "monthly_rate_pct"),
        ([(1, 100)], 1.0, "monthly_rate_pct"),
        ([(1, -1)], Decimal(1), "amount_cents"),
        ([(-1, 100)], Decimal(1), "number"),
        ([(True, 100)], Decimal(1), "number"),
        ([(1, 100), (1, 100)], Decimal(1), "number"),
    ],
)
def test_invalid_input(owed: list[tuple[int, int]], rate: Decimal, field: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        settlement(owed, rate, ANCHOR, ANCHOR)
    assert caught.value.params == {"field": field}


@pytest.mark.parametrize("count", [0, 3, True])
def test_invalid_count(count: int) -> None:
    with pytest.raises(InvalidAmount) as caught:
        prepayment([(1, 100), (2, 100)], count, Decimal(1), ANCHOR, ANCHOR)
    assert caught.value.params == {"field": "count"}


@st.composite
def level_schedules(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], Decimal]:
    pct = draw(st.decimals(0, 20, places=2))
    count = draw(st.integers(1, 60))
    smallest = smallest_level_payment_cents(pct / 100, count)
    # PMT ≥ principal / count ≥ smallest: a level schedule, as every option offered.
    principal = draw(st.integers(smallest * count, smallest * count + 10**8))
    schedule = price_schedule(principal, pct / 100, count)
    assert schedule.is_level
    return schedule.amounts, schedule.balances, pct


@DOMAIN
@given(case=level_schedules(), paid=st.integers(0, 60), days=st.integers(0, 40))
def test_early_payment_is_between_the_balance_and_the_face_value(
    case: tuple[tuple[int, ...], tuple[int, ...], Decimal], paid: int, days: int
) -> None:
    amounts, balances, pct = case
    paid = min(paid, len(amounts) - 1)
    owed = owed_from(amounts, paid)
    on_time = add_months(ANCHOR, paid)
    result = settlement(owed, pct, ANCHOR, on_time)
    # Right after installment ``paid``, settling costs the schedule's balance (or, before any,
    # the amount financed), within a centavo of rounding.
    before = balances[paid - 1] if paid else None
    if before is not None:
        assert abs(result.payoff_cents - before) <= 1
    assert 0 <= result.payoff_cents <= result.face_value_cents == sum(a for _, a in owed)
    # Later costs more (interest accrues), never more than the face value.
    later = settlement(owed, pct, ANCHOR, date.fromordinal(on_time.toordinal() + days))
    assert result.payoff_cents <= later.payoff_cents <= later.face_value_cents
    # Prepaying everything is settling; prepaying fewer costs no more.
    assert prepayment(owed, len(owed), pct, ANCHOR, on_time) == result
    assert prepayment(owed, 1, pct, ANCHOR, on_time).payoff_cents <= result.payoff_cents


@DOMAIN
@given(case=level_schedules(), paid=st.integers(0, 60), days=st.integers(0, 400))
def test_shares_add_up_to_the_payoff(
    case: tuple[tuple[int, ...], tuple[int, ...], Decimal], paid: int, days: int
) -> None:
    amounts, _balances, pct = case
    owed = owed_from(amounts, min(paid, len(amounts) - 1))
    day = date.fromordinal(ANCHOR.toordinal() + days)
    parts = shares(owed, pct, ANCHOR, day)
    result = settlement(owed, pct, ANCHOR, day)
    assert sum(parts) == result.payoff_cents
    elapsed = months_elapsed(ANCHOR, day)
    for (number, amount), part in zip(owed, parts, strict=True):
        assert 0 <= part <= amount
        if number <= elapsed:  # due already: nothing to remove
            assert part == amount
