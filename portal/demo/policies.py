"""Three different negotiation policies for the demo creditors.

A utility (short plans, small discounts), a consumer-credit company (long plans with
interest, deep discounts for old debts) and a school (interest-free plans, monetary
correction by an IPCA-like table). The index values below are demonstration figures close
to IPCA's recent behaviour, NOT the official IBGE series: a real creditor loads the official
table from a CSV (``portal.domain.indexes.parse_index_csv``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from portal.domain.charges import ChargeRules
from portal.domain.indexes import IndexTable
from portal.domain.policy import (
    AffordabilityRule,
    BreachRule,
    DiscountTier,
    DueDateWindow,
    InstallmentBand,
    NegotiationPolicy,
)

# Monthly variation in %, from January 2024 (demonstration values).
_DEMO_MONTHLY_PCT = [
    "0.42",
    "0.83",
    "0.16",
    "0.38",
    "0.46",
    "0.21",
    "0.38",
    "-0.02",
    "0.44",
    "0.56",
    "0.39",
    "0.52",
    "0.16",
    "1.31",
    "0.56",
    "0.43",
    "0.26",
    "0.24",
    "0.26",
    "-0.11",
    "0.48",
    "0.09",
    "0.18",
    "0.33",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
    "0.35",
]


def demo_index_table() -> IndexTable:
    values = [D(1)]
    for pct in _DEMO_MONTHLY_PCT:
        values.append(values[-1] * (1 + D(pct) / 100))
    return IndexTable("IPCA (demonstração)", date(2023, 12, 1), tuple(values))


def _affordability() -> AffordabilityRule:
    return AffordabilityRule(max_income_share_pct=D(30), existential_minimum_cents=60_000)


def demo_policies() -> dict[str, NegotiationPolicy]:
    """Keyed like ``demo_data.CREDITORS``; ids and versions are set when published."""
    return {
        "energia": NegotiationPolicy(
            policy_id="demo",
            version=1,
            charges=ChargeRules(multa_pct=D(2), juros_monthly_pct=D(1)),
            discount_tiers=(
                DiscountTier(30, D(5), max_charges_discount_pct=D(100)),
                DiscountTier(
                    180, D(15), max_charges_discount_pct=D(100), max_principal_discount_pct=D(5)
                ),
            ),
            installment_bands=(
                InstallmentBand(0, 3),
                InstallmentBand(30_000, 6),
                InstallmentBand(100_000, 10),
            ),
            min_installment_cents=3_000,
            plan_monthly_rate_pct=D("0.99"),
            min_down_payment_pct=D(10),
            first_due_window=DueDateWindow(1, 10),
            offer_validity_days=3,
            breach=BreachRule(grace_days=5, breach_after_days=30),
            affordability=_affordability(),
        ),
        "horizonte": NegotiationPolicy(
            policy_id="demo",
            version=1,
            charges=ChargeRules(multa_pct=D(2), juros_monthly_pct=D(1)),
            discount_tiers=(
                DiscountTier(60, D(20), max_charges_discount_pct=D(100)),
                DiscountTier(
                    180, D(40), max_charges_discount_pct=D(100), max_principal_discount_pct=D(20)
                ),
                DiscountTier(
                    360, D(60), max_charges_discount_pct=D(100), max_principal_discount_pct=D(40)
                ),
            ),
            installment_bands=(
                InstallmentBand(0, 6),
                InstallmentBand(100_000, 12),
                InstallmentBand(300_000, 18),
                InstallmentBand(500_000, 24),
            ),
            min_installment_cents=5_000,
            plan_monthly_rate_pct=D("2.49"),
            min_down_payment_pct=D(15),
            first_due_window=DueDateWindow(1, 7),
            offer_validity_days=5,
            breach=BreachRule(grace_days=3, breach_after_days=45),
            affordability=_affordability(),
        ),
        "saber": NegotiationPolicy(
            policy_id="demo",
            version=1,
            charges=ChargeRules(
                multa_pct=D(2), juros_monthly_pct=D(1), correction=demo_index_table()
            ),
            discount_tiers=(DiscountTier(90, D(10), max_charges_discount_pct=D(100)),),
            installment_bands=(InstallmentBand(0, 6), InstallmentBand(300_000, 10)),
            min_installment_cents=10_000,
            plan_monthly_rate_pct=D(0),
            min_down_payment_pct=D(20),
            first_due_window=DueDateWindow(1, 10),
            offer_validity_days=7,
            breach=BreachRule(grace_days=5, breach_after_days=30),
            affordability=_affordability(),
        ),
    }
