"""The budget planner: what comes in, what goes out by category, and what is left each month.

Amounts are integer centavos in and out; the sums are exact integers and the shares of income
are ``Decimal`` percentages with one decimal place, rounded half-up (never ``float``).

* ``left_cents`` is income minus expenses and may be negative (spending above income);
* ``suggested_budget_cents`` is what the debtor could take to a simulation as "quanto cabe no
  seu bolso por mês": what is left, or zero when nothing is;
* the outcome is also a ``Message`` the journey shows: room left, nothing left, or a shortfall
  (with the amount). Expected outcomes are values; only unusable input raises.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final, TypeVar

from portal.domain.errors import N_, InvalidAmount, Message, NegotiationError
from portal.domain.money import HUNDRED, require_cents


class IncomeSource(StrEnum):
    MAIN = "renda-principal"  # salário, aposentadoria, pró-labore, bicos regulares
    OTHER = "outras-rendas"  # benefícios, pensão, ajuda de familiares, vendas


class ExpenseCategory(StrEnum):
    HOUSING = "moradia"  # aluguel, prestação da casa, condomínio
    FOOD = "alimentacao"
    TRANSPORT = "transporte"
    HEALTH = "saude"
    EDUCATION = "educacao"
    HOUSEHOLD_BILLS = "contas-da-casa"  # luz, água, gás, internet, telefone
    INSTALLMENTS = "parcelas"  # parcelas e acordos que já são pagos todo mês
    OTHER = "outros"


ROOM_LEFT = "room_left"
NOTHING_LEFT = "nothing_left"
SHORTFALL = "shortfall"

MSG_ROOM_LEFT = N_("sobram %(amount)s por mês depois dos gastos")
MSG_NOTHING_LEFT = N_("a renda e os gastos empatam: não sobra nada no mês")
MSG_SHORTFALL = N_("os gastos passam da renda em %(amount)s por mês")

_SHARE_PLACES: Final = Decimal("0.1")

E = TypeVar("E", IncomeSource, ExpenseCategory)


class NoIncome(NegotiationError):
    """The planner needs some monthly income to compare the expenses with."""

    code = "planner_no_income"
    message_key = N_("informe quanto entra por mês")


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    """One category's monthly expense and its share of the income, in percent."""

    category: ExpenseCategory
    cents: int
    share_pct: Decimal


@dataclass(frozen=True, slots=True)
class BudgetPlan:
    """The month in numbers: totals, what is left, and each category's share of the income."""

    income_cents: int
    expenses_cents: int
    left_cents: int
    committed_pct: Decimal
    lines: tuple[ExpenseLine, ...]
    outcome: Message

    @property
    def suggested_budget_cents(self) -> int:
        """What fits a plan each month: what is left, or zero when nothing is."""
        return max(self.left_cents, 0)


def share_pct(part_cents: int, whole_cents: int) -> Decimal:
    """``part`` as a percentage of ``whole`` (> 0), one decimal place, rounded half-up."""
    return (Decimal(part_cents) * HUNDRED / Decimal(whole_cents)).quantize(
        _SHARE_PLACES, rounding=ROUND_HALF_UP
    )


def _checked(kind: type[E], amounts: Mapping[E, int]) -> dict[E, int]:
    checked: dict[E, int] = {}
    for key, cents in amounts.items():
        try:
            member = kind(key)
        except ValueError:
            raise InvalidAmount(str(key)) from None
        checked[member] = require_cents(member.value, cents)
    return checked


def _outcome(left_cents: int) -> Message:
    if left_cents > 0:
        return Message.of(ROOM_LEFT, MSG_ROOM_LEFT, amount_cents=left_cents)
    if left_cents == 0:
        return Message.of(NOTHING_LEFT, MSG_NOTHING_LEFT)
    return Message.of(SHORTFALL, MSG_SHORTFALL, amount_cents=-left_cents)


def plan_budget(
    income: Mapping[IncomeSource, int], expenses: Mapping[ExpenseCategory, int]
) -> BudgetPlan:
    """Add up the month (see the module docstring); raises ``NoIncome`` when income is zero
    and ``InvalidAmount`` for an amount that is not a non-negative ``int`` of centavos."""
    incomes = _checked(IncomeSource, income)
    spent = _checked(ExpenseCategory, expenses)
    income_cents = sum(incomes.values())
    if income_cents == 0:
        raise NoIncome()
    expenses_cents = sum(spent.values())
    lines = tuple(
        ExpenseLine(category, spent[category], share_pct(spent[category], income_cents))
        for category in ExpenseCategory
        if spent.get(category, 0) > 0
    )
    left_cents = income_cents - expenses_cents
    return BudgetPlan(
        income_cents=income_cents,
        expenses_cents=expenses_cents,
        left_cents=left_cents,
        committed_pct=share_pct(expenses_cents, income_cents),
        lines=lines,
        outcome=_outcome(left_cents),
    )
