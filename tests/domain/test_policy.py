from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portal.domain.errors import InvalidPolicy
from portal.domain.policy import (
    MSG_SCHEDULES_NOT_LEVEL,
    SCHEDULES_NOT_LEVEL,
    AffordabilityRule,
    BreachRule,
    DiscountTier,
    DueDateWindow,
    InstallmentBand,
    level_schedules_problem,
    smallest_level_installment_cents,
)

from .conftest import make_policy


def test_the_default_builder_is_valid() -> None:
    policy = make_policy()
    assert (policy.policy_id, policy.version) == ("acme-consumer", 3)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"policy_id": ""}, "policy_id"),
        ({"version": 0}, "version"),
        ({"version": "3"}, "version"),
        ({"min_installment_cents": 0}, "min_installment_cents"),
        ({"plan_monthly_rate_pct": Decimal(-1)}, "plan_monthly_rate_pct"),
        ({"plan_monthly_rate_pct": Decimal(21)}, "plan_monthly_rate_pct"),
        ({"min_down_payment_pct": Decimal(101)}, "min_down_payment_pct"),
        ({"offer_validity_days": -1}, "offer_validity_days"),
        (
            {"discount_tiers": (DiscountTier(30, Decimal(5)), DiscountTier(30, Decimal(9)))},
            "discount_tiers",
        ),
        (
            {"discount_tiers": (DiscountTier(60, Decimal(5)), DiscountTier(30, Decimal(9)))},
            "discount_tiers",
        ),
        ({"installment_bands": ()}, "installment_bands"),
        ({"installment_bands": (InstallmentBand(100, 2),)}, "installment_bands"),
        (
            {"installment_bands": (InstallmentBand(0, 2), InstallmentBand(0, 3))},
            "installment_bands",
        ),
    ],
)
def test_policy_validation(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        make_policy(**overrides)
    assert caught.value.params == {"field": field}


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: DiscountTier(-1, Decimal(5)), "discount_tiers.min_days_overdue"),
        (lambda: DiscountTier(0, Decimal(101)), "discount_tiers.discount_pct"),
        (
            lambda: DiscountTier(0, Decimal(5), Decimal(-1)),
            "discount_tiers.max_charges_discount_pct",
        ),
        (
            lambda: DiscountTier(0, Decimal(5), Decimal(100), Decimal(101)),
            "discount_tiers.max_principal_discount_pct",
        ),
        (lambda: InstallmentBand(-1, 2), "installment_bands.min_amount_cents"),
        (lambda: InstallmentBand(0, 0), "installment_bands.max_payments"),
        (lambda: InstallmentBand(0, 121), "installment_bands.max_payments"),
        (lambda: DueDateWindow(-1, 10), "first_due_window.min_days"),
        (lambda: DueDateWindow(5, 4), "first_due_window.max_days"),
        (lambda: BreachRule(-1, 30), "breach.grace_days"),
        (lambda: BreachRule(10, 5), "breach.breach_after_days"),
        (lambda: AffordabilityRule(Decimal(101)), "affordability.max_income_share_pct"),
        (lambda: AffordabilityRule(Decimal(30), -1), "affordability.existential_minimum_cents"),
    ],
)
def test_part_validation(build: Any, field: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        build()
    assert caught.value.params == {"field": field}


@pytest.mark.parametrize(
    ("days", "expected_min_days"), [(0, 0), (179, 0), (180, 180), (5_000, 180)]
)
def test_tier_for(days: int, expected_min_days: int) -> None:
    tier = make_policy().tier_for(days)
    assert tier is not None
    assert tier.min_days_overdue == expected_min_days


def test_no_tier_below_the_first() -> None:
    policy = make_policy(discount_tiers=(DiscountTier(30, Decimal(5)),))
    assert policy.tier_for(29) is None
    assert make_policy(discount_tiers=()).tier_for(1_000) is None


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0, 1), (9_999, 1), (10_000, 6), (49_999, 6), (50_000, 12), (10**9, 24)],
)
def test_max_payments_by_band(amount: int, expected: int) -> None:
    assert make_policy().max_payments_for(amount) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (103_500, 5_000),  # 3 % = 31,05 < minimum installment 50,00
        (1_000_001, 30_001),  # 3 % = 30.000,03 → rounded *up* to 30.001 centavos
        (4_000, 4_000),  # never more than the amount itself
    ],
)
def test_minimum_down_payment(amount: int, expected: int) -> None:
    assert make_policy().minimum_down_payment_cents(amount) == expected


def test_due_date_window_bounds() -> None:
    assert DueDateWindow(1, 10).bounds(date(2026, 2, 9)) == (date(2026, 2, 10), date(2026, 2, 19))


@pytest.mark.parametrize(
    ("as_of", "days_late", "late", "broken"),
    [
        (date(2026, 3, 10), 0, False, False),
        (date(2026, 3, 1), 0, False, False),
        (date(2026, 3, 15), 5, False, False),  # within the grace days
        (date(2026, 3, 16), 6, True, False),
        (date(2026, 4, 9), 30, True, False),  # exactly N days late: not yet broken
        (date(2026, 4, 10), 31, True, True),  # more than N days late
    ],
)
def test_breach_rule(as_of: date, days_late: int, late: bool, broken: bool) -> None:
    rule = BreachRule(grace_days=5, breach_after_days=30)
    due = date(2026, 3, 10)
    assert rule.days_late(due, as_of) == days_late
    assert rule.is_late(due, as_of) is late
    assert rule.breaks_agreement(due, as_of) is broken


@pytest.mark.parametrize(
    ("rate", "bands", "smallest"),
    [
        ("0.95", (InstallmentBand(0, 24),), 1_300),  # 23 installments: up to 13 centavos off
        ("0.95", (InstallmentBand(0, 1), InstallmentBand(50_000, 120)), 11_000),
        ("0", (InstallmentBand(0, 120),), 5_900),
        ("15", (InstallmentBand(0, 73),), 7_818_200),
        ("15", (InstallmentBand(0, 1),), 0),  # à vista only
    ],
)
def test_smallest_level_installment(
    rate: str, bands: tuple[InstallmentBand, ...], smallest: int
) -> None:
    policy = make_policy(plan_monthly_rate_pct=Decimal(rate), installment_bands=bands)
    assert smallest_level_installment_cents(policy) == smallest


def test_a_policy_whose_plans_could_be_uneven_is_explained() -> None:
    assert level_schedules_problem(make_policy()) is None
    policy = make_policy(
        plan_monthly_rate_pct=Decimal("15.0"), installment_bands=(InstallmentBand(0, 73),)
    )
    problem = level_schedules_problem(policy)
    assert problem is not None
    assert (problem.code, problem.key) == (SCHEDULES_NOT_LEVEL, MSG_SCHEDULES_NOT_LEVEL)
    assert problem.params_dict() == {"rate_pct": "15", "count": 72, "amount_cents": 7_818_200}
    assert level_schedules_problem(make_policy(min_installment_cents=7_818_200)) is None
