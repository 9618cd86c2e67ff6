from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.charges import (
    ChargeRules,
    DebtorKind,
    PendingItem,
    correction_factor,
    effective_multa_pct,
    updated_balance,
)
from portal.domain.errors import IndexNotAvailable, InvalidItem, InvalidPolicy
from portal.domain.indexes import IndexTable

from .conftest import DOMAIN, make_item

RULES = ChargeRules(multa_pct=Decimal(2), juros_monthly_pct=Decimal(1))
AS_OF = date(2026, 2, 9)  # 45 days after 26 Dec 2025
IPCA = IndexTable(
    "IPCA",
    date(2025, 10, 1),
    (Decimal(99), Decimal(100), Decimal("100.8"), Decimal("101.5"), Decimal("101.9")),
)  # Oct 2025 … Feb 2026


def test_hand_checked_balance() -> None:
    # R$ 1.000,00 due 26/12/2025, on 09/02/2026: 45 days late.
    # multa 2 % = 20,00; juros 1 % a.m. × 45/30 = 15,00; total 1.035,00.
    balance = updated_balance(make_item(), RULES, DebtorKind.CONSUMER, AS_OF)
    assert balance.days_overdue == 45
    assert (balance.principal_cents, balance.correction_cents) == (100_000, 0)
    assert (balance.multa_pct, balance.multa_cents) == (Decimal(2), 2_000)
    assert (balance.juros_monthly_pct, balance.juros_cents) == (Decimal(1), 1_500)
    assert balance.charges_cents == 3_500
    assert balance.total_cents == 103_500
    assert (balance.item_id, balance.reference, balance.as_of) == ("it-1", "NF 1001", AS_OF)


@pytest.mark.parametrize(
    ("principal", "days", "juros"),
    [
        (100_000, 1, 33),  # 1000 × 1 % / 30 = 0,3333 → 0,33
        (100_000, 31, 1_033),  # 10,3333 → 10,33
        (15_000, 1, 5),  # 150 × 1 % / 30 = 0,05 exactly
        (4_500, 1, 2),  # 45 × 1 % / 30 = 0,015 → half-up 0,02
        (100_000, 365, 12_167),  # 121,6667 → 121,67: simple, not compound
    ],
)
def test_juros_pro_rata_die(principal: int, days: int, juros: int) -> None:
    item = make_item(principal_cents=principal)
    balance = updated_balance(item, RULES, DebtorKind.CONSUMER, item.due_date + timedelta(days))
    assert balance.juros_cents == juros


def test_juros_up_to_one_percent_a_month_are_accepted() -> None:
    assert ChargeRules(Decimal(2), Decimal(1)).juros_monthly_pct == Decimal(1)
    assert ChargeRules(Decimal(2), Decimal("0.033")).juros_monthly_pct == Decimal("0.033")


def test_due_on_a_saturday_paid_on_monday_is_on_time() -> None:
    # The case: due Saturday 08/02/2025, paid Monday 10/02 was charged R$ 1.020,67.
    item = make_item(principal_cents=100_000, due_date=date(2025, 2, 8))
    balance = updated_balance(item, RULES, DebtorKind.CONSUMER, date(2025, 2, 10))
    assert (balance.days_overdue, balance.charges_cents, balance.total_cents) == (0, 0, 100_000)
    # Tuesday is one day after the extended due date: multa 20,00 and one day of juros 0,33.
    late = updated_balance(item, RULES, DebtorKind.CONSUMER, date(2025, 2, 11))
    assert (late.days_overdue, late.multa_cents, late.juros_cents) == (1, 2_000, 33)
    assert late.due_date == date(2025, 2, 8)  # shown as the item says


@pytest.mark.parametrize(
    ("due", "on_time", "first_late"),
    [
        (date(2025, 3, 2), date(2025, 3, 5), date(2025, 3, 6)),  # Sunday, then Carnaval Mon+Tue
        (date(2025, 12, 25), date(2025, 12, 26), date(2025, 12, 27)),  # Christmas (Thursday)
        (date(2025, 11, 15), date(2025, 11, 17), date(2025, 11, 18)),  # Proclamação, a Saturday
        (date(2025, 4, 18), date(2025, 4, 22), date(2025, 4, 23)),  # Sexta-feira Santa, Tiradentes
    ],
)
def test_charges_start_the_day_after_the_next_business_day(
    due: date, on_time: date, first_late: date
) -> None:
    item = make_item(due_date=due)
    rules = ChargeRules(Decimal(2), Decimal(1), IPCA)
    assert updated_balance(item, RULES, DebtorKind.CONSUMER, on_time).charges_cents == 0
    late = updated_balance(item, RULES, DebtorKind.CONSUMER, first_late)
    assert late.days_overdue == 1
    assert late.multa_cents == 2_000
    assert updated_balance(item, rules, DebtorKind.BUSINESS, on_time).total_cents == 100_000


@pytest.mark.parametrize("as_of", [date(2025, 12, 26), date(2025, 12, 1)])
def test_no_charges_until_overdue(as_of: date) -> None:
    rules = ChargeRules(Decimal(2), Decimal(1), IPCA)
    balance = updated_balance(make_item(), rules, DebtorKind.CONSUMER, as_of)
    assert balance.days_overdue == 0
    assert balance.charges_cents == 0
    assert balance.total_cents == 100_000


@pytest.mark.parametrize(
    ("kind", "policy_pct", "contract_pct", "expected"),
    [
        (DebtorKind.CONSUMER, "2", None, "2"),
        (DebtorKind.CONSUMER, "2", "10", "2"),  # CDC art. 52 §1 cap
        (DebtorKind.CONSUMER, "2", "1", "1"),  # never above the contract either
        (DebtorKind.CONSUMER, "1.5", "10", "1.5"),
        (DebtorKind.CONSUMER, "0", None, "0"),
        (DebtorKind.BUSINESS, "2", "10", "10"),  # a CNPJ follows the contract
        (DebtorKind.BUSINESS, "2", None, "2"),
        (DebtorKind.BUSINESS, "1", "0.5", "0.5"),
    ],
)
def test_effective_multa(
    kind: DebtorKind, policy_pct: str, contract_pct: str | None, expected: str
) -> None:
    item = make_item(contract_multa_pct=None if contract_pct is None else Decimal(contract_pct))
    rules = ChargeRules(Decimal(policy_pct), Decimal(1))
    assert effective_multa_pct(rules, item, kind) == Decimal(expected)


def test_business_multa_from_contract() -> None:
    item = make_item(contract_multa_pct=Decimal(10))
    assert updated_balance(item, RULES, DebtorKind.BUSINESS, AS_OF).multa_cents == 10_000
    assert updated_balance(item, RULES, DebtorKind.CONSUMER, AS_OF).multa_cents == 2_000


@DOMAIN
@given(
    principal=st.integers(1, 10**10),
    days=st.integers(0, 3_000),
    policy_pct=st.decimals(0, 2, places=2),
    contract_pct=st.none() | st.decimals(0, 100, places=2),
)
def test_consumer_multa_never_above_two_percent(
    principal: int, days: int, policy_pct: Decimal, contract_pct: Decimal | None
) -> None:
    item = make_item(principal_cents=principal, contract_multa_pct=contract_pct)
    rules = ChargeRules(policy_pct, Decimal(1))
    balance = updated_balance(item, rules, DebtorKind.CONSUMER, item.due_date + timedelta(days))
    assert balance.multa_pct <= 2
    # 2 % of the base, rounded half-up, computed independently with integers.
    assert balance.multa_cents <= (2 * principal * 2 + 100) // 200
    assert (
        balance.total_cents
        == (balance.principal_cents + balance.correction_cents + balance.multa_cents)
        + balance.juros_cents
    )


def test_correction_by_index_ratio() -> None:
    # Due 10/12/2025, on 09/02/2026: months Nov 2025 (100) → Jan 2026 (101.5), factor 1.015.
    # C = 1.015,00; multa 2 % = 20,30; juros 1 % × 61/30 of 1.015,00 = 20,638 → 20,64.
    rules = ChargeRules(Decimal(2), Decimal(1), IPCA)
    item = make_item(due_date=date(2025, 12, 10))
    balance = updated_balance(item, rules, DebtorKind.CONSUMER, AS_OF)
    assert balance.days_overdue == 61
    assert balance.correction_cents == 1_500
    assert balance.multa_cents == 2_030
    assert balance.juros_cents == 2_064
    assert balance.total_cents == 105_594


@pytest.mark.parametrize(
    ("due", "as_of", "factor"),
    [
        (date(2025, 12, 10), date(2026, 2, 9), Decimal("101.5") / 100),
        (date(2026, 2, 1), date(2026, 2, 27), Decimal(1)),  # same month: nothing published yet
        (date(2025, 12, 10), date(2026, 1, 9), Decimal("100.8") / 100),  # Dec only
        # as_of far ahead: clamped to the last published month (Feb 2026).
        (date(2025, 12, 10), date(2027, 6, 1), Decimal("101.9") / 100),
    ],
)
def test_correction_months(due: date, as_of: date, factor: Decimal) -> None:
    assert correction_factor(IPCA, due, as_of) == factor


def test_deflation_never_reduces_the_principal() -> None:
    falling = IndexTable("X", date(2025, 11, 1), (Decimal(100), Decimal("99.5"), Decimal(99)))
    assert correction_factor(falling, date(2025, 12, 10), date(2026, 2, 9)) == 1
    rules = ChargeRules(Decimal(2), Decimal(1), falling)
    balance = updated_balance(
        make_item(due_date=date(2025, 12, 10)), rules, DebtorKind.CONSUMER, AS_OF
    )
    assert balance.correction_cents == 0


def test_correction_needs_the_start_month() -> None:
    rules = ChargeRules(Decimal(2), Decimal(1), IPCA)
    with pytest.raises(IndexNotAvailable) as caught:
        updated_balance(make_item(due_date=date(2025, 9, 30)), rules, DebtorKind.CONSUMER, AS_OF)
    assert caught.value.params == {"month": "2025-08"}


@pytest.mark.parametrize(
    ("multa", "juros", "field"),
    [
        (Decimal("2.01"), Decimal(1), "charges.multa_pct"),
        (Decimal(-1), Decimal(1), "charges.multa_pct"),
        (2.0, Decimal(1), "charges.multa_pct"),
        (Decimal("Infinity"), Decimal(1), "charges.multa_pct"),
        (Decimal(2), Decimal("20.5"), "charges.juros_monthly_pct"),
        # Above 1 % a.m. (Súmula 379 STJ; CC art. 406): accepted up to 20 % before.
        (Decimal(2), Decimal("1.01"), "charges.juros_monthly_pct"),
        (Decimal(2), Decimal(2), "charges.juros_monthly_pct"),
        (Decimal(2), Decimal(20), "charges.juros_monthly_pct"),
        (Decimal(2), Decimal("NaN"), "charges.juros_monthly_pct"),
    ],
)
def test_charge_rules_validation(multa: Decimal, juros: Decimal, field: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        ChargeRules(multa, juros)
    assert caught.value.params == {"field": field}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"item_id": ""}, "item_id"),
        ({"principal_cents": 0}, "principal_cents"),
        ({"principal_cents": True}, "principal_cents"),
        ({"principal_cents": 10.0}, "principal_cents"),
        ({"contract_multa_pct": Decimal(101)}, "contract_multa_pct"),
        ({"contract_multa_pct": Decimal(-1)}, "contract_multa_pct"),
    ],
)
def test_item_validation(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidItem) as caught:
        PendingItem(**{**_ITEM_FIELDS, **overrides})  # type: ignore[arg-type]
    assert caught.value.params["field"] == field


_ITEM_FIELDS: dict[str, object] = {
    "item_id": "it-9",
    "reference": "NF 9",
    "principal_cents": 1_000,
    "due_date": date(2026, 1, 1),
}
