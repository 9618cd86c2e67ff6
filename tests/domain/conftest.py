"""Builders for the negotiation-engine tests (no Flask, no database)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from portal.domain.calendar import BankCalendar, anbima_calendar
from portal.domain.charges import ChargeRules, PendingItem
from portal.domain.policy import (
    AffordabilityRule,
    BreachRule,
    DiscountTier,
    DueDateWindow,
    InstallmentBand,
    NegotiationPolicy,
)

DOMAIN = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Hypothesis settings for the domain properties: modest example counts, no per-example deadline
(timings vary on shared CI machines). Applied per test, so no global profile is changed."""


def make_policy(**overrides: Any) -> NegotiationPolicy:
    """A realistic policy; override any field by name."""
    fields: dict[str, Any] = {
        "policy_id": "acme-consumer",
        "version": 3,
        "charges": ChargeRules(multa_pct=Decimal(2), juros_monthly_pct=Decimal(1)),
        "discount_tiers": (
            DiscountTier(min_days_overdue=0, discount_pct=Decimal(5)),
            DiscountTier(
                min_days_overdue=180,
                discount_pct=Decimal(40),
                max_charges_discount_pct=Decimal(100),
                max_principal_discount_pct=Decimal(20),
            ),
        ),
        "installment_bands": (
            InstallmentBand(min_amount_cents=0, max_payments=1),
            InstallmentBand(min_amount_cents=10_000, max_payments=6),
            InstallmentBand(min_amount_cents=50_000, max_payments=12),
            InstallmentBand(min_amount_cents=200_000, max_payments=24),
        ),
        "min_installment_cents": 5_000,
        "plan_monthly_rate_pct": Decimal("0.95"),
        "min_down_payment_pct": Decimal(3),
        "first_due_window": DueDateWindow(min_days=1, max_days=10),
        "offer_validity_days": 5,
        "breach": BreachRule(grace_days=5, breach_after_days=30),
        "affordability": AffordabilityRule(
            max_income_share_pct=Decimal(30), existential_minimum_cents=60_000
        ),
    }
    fields.update(overrides)
    return NegotiationPolicy(**fields)


def make_item(**overrides: Any) -> PendingItem:
    """A pending item of R$ 1.000,00 due on 26 Dec 2025; override any field by name."""
    item = PendingItem(
        item_id="it-1",
        reference="NF 1001",
        principal_cents=100_000,
        due_date=date(2025, 12, 26),
    )
    return replace(item, **overrides)


@pytest.fixture(scope="session")
def anbima() -> BankCalendar:
    return anbima_calendar()
