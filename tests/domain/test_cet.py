"""CET / XIRR: the BCB worked example, numpy-financial and an independent bisection."""

import math
from datetime import date, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.domain.cet import (
    CET_INCLUDES_FEES,
    CET_ROUNDING,
    MSG_CET_INCLUDES_FEES,
    NO_COST,
    Cet,
    annual_to_cet,
    cet,
    cet_note,
    plan_cet,
    rate_to_pct,
    solve_rate,
    xirr,
)
from portal.domain.errors import InvalidCashFlows, Message
from portal.domain.price import price_schedule

from .conftest import DOMAIN

monthly_rates = st.decimals(0, 8, places=4).map(lambda pct: pct / 100)


def bisection_xirr(released: int, start: date, flows: list[tuple[date, int]]) -> float:
    """An independent XIRR: plain bisection on the 365-day formula, no Newton, no log trick."""

    def npv(rate: float) -> float:
        return released - sum(a / (1 + rate) ** ((d - start).days / 365) for d, a in flows)

    low, high = 0.0, 1.0
    while npv(high) < 0:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if npv(middle) < 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def test_bcb_worked_example_periodic() -> None:
    # BCB: 1.000,00 at 12 % a.a. in 5 months (PMT 205,73), fee 50,00 + IOF 10,00 → FC0 940,00.
    # "CET = 43,93 % ao ano ou 3,08 % ao mês" — monthly flows one period apart.
    monthly = solve_rate(94_000, [20_573] * 5, [1, 2, 3, 4, 5])
    assert rate_to_pct(monthly) == Decimal("3.08")
    assert rate_to_pct(monthly, 4) == Decimal("3.0813")
    assert abs(monthly - npf.irr([-940] + [205.73] * 5)) < 1e-12
    annual = solve_rate(94_000, [20_573] * 5, [k / 12 for k in range(1, 6)])
    result = annual_to_cet(annual)
    assert result == Cet(Decimal("3.08"), Decimal("43.93"))


def test_bcb_worked_example_on_real_dates() -> None:
    # Same amounts on 15 Jan → 15 Feb … 15 Jun 2026 with (d_j − d_0)/365: 44,55 % a.a.
    flows = [(date(2026, month, 15), 20_573) for month in range(2, 7)]
    result = cet(100_000, date(2026, 1, 15), flows, upfront_charges_cents=6_000)
    # 44,5450… rounds to 44,55 (rounding an intermediate 44,5450 half-even would give 44,54).
    assert result.annual_pct == Decimal("44.55")
    assert rate_to_pct(xirr(94_000, date(2026, 1, 15), flows), 6) == Decimal("44.545021")
    expected = bisection_xirr(94_000, date(2026, 1, 15), flows)
    assert abs(xirr(94_000, date(2026, 1, 15), flows) - expected) < 1e-10


def test_rate_zero_is_exactly_zero() -> None:
    flows = [(date(2026, 3, 1), 50_000), (date(2026, 4, 1), 50_000)]
    assert cet(100_000, date(2026, 2, 1), flows) == NO_COST == Cet(Decimal(0), Decimal(0))


def test_pct_rounding_is_half_even() -> None:
    assert rate_to_pct(2**-7, 4) == Decimal("0.7812")  # 0.78125: the tie goes to the even digit
    assert rate_to_pct(2**-9) == Decimal("0.20")  # 0.1953125 → 0.20
    assert rate_to_pct(0.5) == Decimal("50.00")


@pytest.mark.parametrize(
    ("released", "payments", "times", "guess"),
    [
        (0, [100], [1], 0.0),  # nothing released
        (100, [110, 1], [1], 0.0),  # lengths differ
        (100, [110], [1], -0.5),  # negative guess
        (100, [-1, 120], [1, 2], 0.0),  # negative payment
        (100, [110], [-1], 0.0),  # payment before the release
        (100, [99], [1], 0.0),  # negative rate: not supported
        (100, [110], [0], 0.0),  # nothing after the release
        (100, [100, 10], [0, 1], 0.0),  # all repaid at once: the rate is unbounded
    ],
)
def test_undefined_cash_flows(
    released: int, payments: list[int], times: list[float], guess: float
) -> None:
    with pytest.raises(InvalidCashFlows):
        solve_rate(released, payments, times, guess=guess)


def test_newton_gives_up_after_max_iter() -> None:
    with pytest.raises(InvalidCashFlows):
        solve_rate(100_000, [60_000, 60_000], [1, 2], max_iter=1)


def test_zero_payments_and_payments_at_release_are_handled() -> None:
    # 100 released, 10 repaid on the day, 0 after one period, 99 after two: r = 10 % … checked:
    # 90 = 99 / (1 + r)^2 → r = sqrt(1.1) − 1.
    rate = solve_rate(100, [10, 0, 99], [0, 1, 2])
    assert abs(rate - (math.sqrt(1.1) - 1)) < 1e-12


def test_a_far_guess_still_converges() -> None:
    rate = solve_rate(100_000, [60_000, 60_000], [1, 2], guess=50.0)
    assert abs(rate - solve_rate(100_000, [60_000, 60_000], [1, 2])) < 1e-12


@DOMAIN
@given(
    principal=st.integers(10_000, 10**9),
    rate=monthly_rates.filter(lambda r: r > 0),
    count=st.integers(1, 36),
)
def test_matches_numpy_financial_irr(principal: int, rate: Decimal, count: int) -> None:
    amounts = price_schedule(principal, rate, count).amounts
    expected = npf.irr([-principal, *amounts])
    assert abs(solve_rate(principal, amounts, list(range(1, count + 1))) - expected) < 1e-9


@DOMAIN
@given(principal=st.integers(10_000, 10**9), rate=monthly_rates, count=st.integers(1, 36))
def test_the_irr_of_a_schedule_gives_back_its_rate(
    principal: int, rate: Decimal, count: int
) -> None:
    schedule = price_schedule(principal, rate, count)
    found = solve_rate(principal, schedule.amounts, list(range(1, count + 1)))
    # Only the last installment is rounded (½ centavo), so the schedule's exact IRR may differ
    # from the rate by at most ½ / NPV'(rate).
    i = float(rate)
    slope = sum(k * a * (1 + i) ** (-k - 1) for k, a in enumerate(schedule.amounts, start=1))
    assert abs(found - i) <= 0.5 / slope + 1e-12


@st.composite
def dated_flows(draw: st.DrawFn) -> tuple[float, date, list[tuple[date, int]]]:
    annual = draw(st.floats(0, 3))
    start = draw(st.dates(date(2000, 1, 1), date(2090, 1, 1)))
    gaps = draw(st.lists(st.integers(1, 120), min_size=1, max_size=24))
    amounts = draw(st.lists(st.integers(10**4, 10**8), min_size=len(gaps), max_size=len(gaps)))
    days = 0
    flows = []
    for gap, amount in zip(gaps, amounts, strict=True):
        days += gap
        flows.append((start + timedelta(days=days), amount))
    return annual, start, flows


@DOMAIN
@given(dated_flows())
def test_xirr_gives_back_the_rate_that_priced_the_flows(
    case: tuple[float, date, list[tuple[date, int]]],
) -> None:
    annual, start, flows = case
    growth = Decimal(annual) + 1
    exact = sum(Decimal(a) / growth ** (Decimal((d - start).days) / 365) for d, a in flows)
    released = int(exact.to_integral_value())
    assume(released < sum(a for _, a in flows))
    found = xirr(released, start, flows)
    # The released amount was rounded to the centavo: allow ½ centavo of NPV, through the slope
    # at the true rate (flows of at least R$ 100 keep the curvature term under 5 %).
    slope = sum(
        (d - start).days / 365 * a * (1 + annual) ** (-(d - start).days / 365 - 1) for d, a in flows
    )
    assert abs(found - annual) <= 0.5 / slope * 1.05 + 1e-12
    assert abs(found - bisection_xirr(released, start, flows)) < 1e-8


@DOMAIN
@given(
    principal=st.integers(10_000, 10**8),
    rate=monthly_rates,
    count=st.integers(1, 36),
    extra=st.integers(0, 5_000),
)
def test_cet_is_at_least_the_nominal_rate_when_there_are_charges(
    principal: int, rate: Decimal, count: int, extra: int
) -> None:
    # Up-front charges (fees, taxes) larger than the worst rounding residue of the schedule
    # (½ centavo per installment) make the CET exceed the nominal rate: periodically …
    schedule = price_schedule(principal, rate, count)
    charges = count + extra
    assume(charges < principal)
    periodic = solve_rate(principal - charges, schedule.amounts, list(range(1, count + 1)))
    assert periodic >= float(rate)
    # … and on a 365-day base for any payment dates no later than k · 365/12 days.
    start = date(2026, 1, 15)
    days = [k * 365 // 12 for k in range(1, count + 1)]
    flows = [(start + timedelta(d), a) for d, a in zip(days, schedule.amounts, strict=True)]
    annual = xirr(principal - charges, start, flows)
    assert (1 + annual) ** (1 / 12) - 1 >= float(rate) - 1e-12
    # The displayed figure (two places) never falls below the displayed nominal rate either.
    result = cet(principal, start, flows, upfront_charges_cents=charges)
    assert result.monthly_pct >= rate_to_pct(float(rate))


# --- a plan's CET: the schedule's month count (issue 13) ----------------------------------------


def test_plan_cet_is_the_bcb_periodic_example() -> None:
    assert plan_cet(100_000, [20_573] * 5, upfront_charges_cents=6_000) == Cet(
        Decimal("3.08"), Decimal("43.93")
    )


@DOMAIN
@given(
    principal=st.integers(10_000, 10**9),
    pct=st.decimals(0, 20, places=2),
    count=st.integers(1, 119),
)
def test_without_fees_a_plans_cet_is_its_rate(principal: int, pct: Decimal, count: int) -> None:
    schedule = price_schedule(principal, pct / 100, count)
    assume(schedule.is_level)  # what the simulation offers
    cost = plan_cet(principal, schedule.amounts)
    note = cet_note(pct, cost)
    if rounding_may_show(schedule.amounts, pct):
        # Small amounts: the last installment's ½ centavo may move the second decimal.
        assert abs(cost.monthly_pct - pct) <= Decimal("0.01")
        assert note is None or note.code == CET_ROUNDING
    else:
        assert cost.monthly_pct == pct  # at the precision shown: two places
        assert note is None


def rounding_may_show(amounts: tuple[int, ...], pct: Decimal) -> bool:
    """Whether ½ centavo on the last installment can move the monthly IRR by 0,005 % (half the
    unit shown): the IRR moves by at most ½ / NPV'(i)."""
    i = float(pct) / 100
    slope = sum(k * a * (1 + i) ** (-k - 1) for k, a in enumerate(amounts, start=1))
    return 0.5 / slope >= 0.5e-4


def test_small_amounts_may_show_the_rounding() -> None:
    # 50,00 at 2,49 % in one month: 51,245 rounds to 51,25, a 2,50 % cost; the note says why.
    cost = plan_cet(5_000, price_schedule(5_000, Decimal("0.0249"), 1).amounts)
    assert cost.monthly_pct == Decimal("2.50")
    note = cet_note(Decimal("2.49"), cost)
    assert note is not None and note.code == CET_ROUNDING


def test_a_fee_makes_the_cet_higher_and_says_why() -> None:
    schedule = price_schedule(100_000, Decimal("0.0249"), 12)
    cost = plan_cet(100_000, schedule.amounts, upfront_charges_cents=2_000)
    assert cost.monthly_pct > Decimal("2.49")
    assert cet_note(Decimal("2.49"), cost, 2_000) == Message.of(
        CET_INCLUDES_FEES, MSG_CET_INCLUDES_FEES, amount_cents=2_000
    )


def test_a_cet_off_by_rounding_alone_says_so() -> None:
    # A rate with more places than shown: 0,945 % is shown 0,95 % (half-up, as the pages do),
    # and a level plan's CET, 0,9449… %, is 0,94 %.
    note = cet_note(Decimal("0.945"), Cet(Decimal("0.94"), Decimal("11.88")))
    assert note is not None and note.code == CET_ROUNDING
    assert cet_note(Decimal("0.945"), Cet(Decimal("0.95"), Decimal("12.02"))) is None
