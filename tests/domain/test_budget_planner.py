"""portal/domain/budget_planner.py: the month in centavos, exact, and its outcome message."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.budget_planner import (
    MSG_NOTHING_LEFT,
    MSG_ROOM_LEFT,
    MSG_SHORTFALL,
    NOTHING_LEFT,
    ROOM_LEFT,
    SHORTFALL,
    BudgetPlan,
    ExpenseCategory,
    ExpenseLine,
    IncomeSource,
    NoIncome,
    plan_budget,
    share_pct,
)
from portal.domain.errors import InvalidAmount, Message

from .conftest import DOMAIN

E = ExpenseCategory


def test_a_typical_month_to_the_centavo() -> None:
    plan = plan_budget(
        {IncomeSource.MAIN: 2_150_00, IncomeSource.OTHER: 312_37},
        {
            E.HOUSING: 800_00,
            E.FOOD: 650_45,
            E.TRANSPORT: 180_00,
            E.HOUSEHOLD_BILLS: 254_91,
            E.HEALTH: 0,
            E.OTHER: 99_99,
        },
    )
    assert plan.income_cents == 246_237
    assert plan.expenses_cents == 80_000 + 65_045 + 18_000 + 25_491 + 9_999 == 198_535
    assert plan.left_cents == 47_702
    assert plan.suggested_budget_cents == 47_702
    assert plan.outcome == Message.of(ROOM_LEFT, MSG_ROOM_LEFT, amount_cents=47_702)
    # Zero categories are left out; the rest keep the planner's order.
    assert plan.lines == (
        ExpenseLine(E.HOUSING, 80_000, Decimal("32.5")),  # 32.489…
        ExpenseLine(E.FOOD, 65_045, Decimal("26.4")),  # 26.415…
        ExpenseLine(E.TRANSPORT, 18_000, Decimal("7.3")),  # 7.310…
        ExpenseLine(E.HOUSEHOLD_BILLS, 25_491, Decimal("10.4")),  # 10.352…
        ExpenseLine(E.OTHER, 9_999, Decimal("4.1")),  # 4.060…
    )
    assert plan.committed_pct == Decimal("80.6")  # 80.627…


def test_income_and_expenses_that_match_leave_nothing() -> None:
    plan = plan_budget({IncomeSource.MAIN: 1_518_00}, {E.HOUSING: 1_000_00, E.FOOD: 518_00})
    assert plan.left_cents == 0
    assert plan.suggested_budget_cents == 0
    assert plan.committed_pct == Decimal("100.0")
    assert plan.outcome == Message.of(NOTHING_LEFT, MSG_NOTHING_LEFT)


def test_a_shortfall_is_negative_and_suggests_nothing() -> None:
    plan = plan_budget({IncomeSource.OTHER: 600_00}, {E.HOUSING: 550_00, E.INSTALLMENTS: 150_01})
    assert plan.left_cents == -100_01
    assert plan.suggested_budget_cents == 0
    assert plan.committed_pct == Decimal("116.7")  # 116.668…
    assert plan.outcome == Message.of(SHORTFALL, MSG_SHORTFALL, amount_cents=100_01)


def test_no_expenses_at_all() -> None:
    plan = plan_budget({IncomeSource.MAIN: 1}, {})
    assert (plan.expenses_cents, plan.left_cents, plan.lines) == (0, 1, ())
    assert plan.committed_pct == Decimal("0.0")


def test_string_keys_are_accepted_as_their_category() -> None:
    plan = plan_budget({"renda-principal": 100_00}, {"contas-da-casa": 25_00})  # type: ignore[dict-item]
    assert plan.lines == (ExpenseLine(E.HOUSEHOLD_BILLS, 25_00, Decimal("25.0")),)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 2_000, "0.1"),  # 0.05: half-up, where half-even would give 0.0
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 8, "12.5"),
        (3, 16_000, "0.0"),  # 0.01875
        (5, 1, "500.0"),
    ],
)
def test_shares_round_half_up_to_one_decimal(part: int, whole: int, expected: str) -> None:
    assert share_pct(part, whole) == Decimal(expected)


@pytest.mark.parametrize(
    "income", [{}, {IncomeSource.MAIN: 0}, {IncomeSource.MAIN: 0, IncomeSource.OTHER: 0}]
)
def test_no_income_is_refused_with_a_message(income: dict[IncomeSource, int]) -> None:
    with pytest.raises(NoIncome) as raised:
        plan_budget(income, {E.FOOD: 100})
    assert raised.value.message == Message.of("planner_no_income", "informe quanto entra por mês")


@pytest.mark.parametrize(
    ("income", "expenses", "field"),
    [
        ({IncomeSource.MAIN: -1}, {}, "renda-principal"),
        ({IncomeSource.MAIN: 10.5}, {}, "renda-principal"),
        ({IncomeSource.MAIN: True}, {}, "renda-principal"),
        ({IncomeSource.MAIN: 100}, {E.FOOD: Decimal("1")}, "alimentacao"),
        ({IncomeSource.MAIN: 100}, {E.OTHER: -5}, "outros"),
        ({IncomeSource.MAIN: 100}, {"lazer": 5}, "lazer"),
        ({"salario": 100}, {}, "salario"),
    ],
)
def test_bad_amounts_and_unknown_categories_are_refused(
    income: dict[IncomeSource, int], expenses: dict[ExpenseCategory, int], field: str
) -> None:
    with pytest.raises(InvalidAmount) as raised:
        plan_budget(income, expenses)
    assert raised.value.params == {"field": field}


money = st.integers(min_value=0, max_value=10**11)


@DOMAIN
@given(
    income=st.dictionaries(st.sampled_from(IncomeSource), money, min_size=1).filter(
        lambda d: sum(d.values()) > 0
    ),
    expenses=st.dictionaries(st.sampled_from(ExpenseCategory), money),
)
def test_the_sums_are_exact(
    income: dict[IncomeSource, int], expenses: dict[ExpenseCategory, int]
) -> None:
    plan = plan_budget(income, expenses)
    assert isinstance(plan, BudgetPlan)
    assert plan.income_cents == sum(income.values())
    assert plan.expenses_cents == sum(expenses.values()) == sum(line.cents for line in plan.lines)
    assert plan.left_cents == plan.income_cents - plan.expenses_cents
    assert plan.suggested_budget_cents == max(plan.left_cents, 0)
    assert all(line.cents > 0 for line in plan.lines)
    assert [line.category for line in plan.lines] == [c for c in ExpenseCategory if expenses.get(c)]
    assert {ROOM_LEFT: 1, NOTHING_LEFT: 0, SHORTFALL: -1}[plan.outcome.code] == (
        (plan.left_cents > 0) - (plan.left_cents < 0)
    )
