from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.charges import UpdatedBalance
from portal.domain.discounts import NO_DISCOUNT, CashDiscount, cash_discount
from portal.domain.policy import DiscountTier

from .conftest import DOMAIN


def balance(principal: int, correction: int, multa: int, juros: int) -> UpdatedBalance:
    return UpdatedBalance(
        item_id="it-1",
        reference="NF 1",
        due_date=date(2025, 1, 1),
        as_of=date(2026, 2, 9),
        days_overdue=404,
        principal_cents=principal,
        correction_cents=correction,
        multa_pct=Decimal(2),
        multa_cents=multa,
        juros_monthly_pct=Decimal(1),
        juros_cents=juros,
        total_cents=principal + correction + multa + juros,
    )


def tier(pct: str, charges_cap: str = "100", principal_cap: str = "0") -> DiscountTier:
    return DiscountTier(0, Decimal(pct), Decimal(charges_cap), Decimal(principal_cap))


@pytest.mark.parametrize(
    ("tier_", "expected"),
    [
        # total 1.200,00: 10 % = 120,00 taken from juros (100,00) then multa (20,00).
        (tier("10"), CashDiscount(10_000, 2_000, 0, 0)),
        # 20 % = 240,00: all 200,00 of charges (juros, multa, correção), principal cap 0.
        (tier("20"), CashDiscount(10_000, 2_000, 8_000, 0)),
        # same, principal may give 10 % (100,00): 40,00 more from principal.
        (tier("20", principal_cap="10"), CashDiscount(10_000, 2_000, 8_000, 4_000)),
        # 50 % = 600,00 but caps: charges 50 % (100,00), principal 30 % (300,00).
        (tier("50", "50", "30"), CashDiscount(10_000, 0, 0, 30_000)),
        # charges cap 0: the discount goes straight to principal, within its cap.
        (tier("5", "0", "100"), CashDiscount(0, 0, 0, 6_000)),
        (tier("0", "100", "100"), NO_DISCOUNT),
    ],
)
def test_charges_first_then_principal(tier_: DiscountTier, expected: CashDiscount) -> None:
    # principal 1.000,00; correção 80,00; multa 20,00; juros 100,00.
    assert cash_discount(balance(100_000, 8_000, 2_000, 10_000), tier_) == expected


def test_no_tier_no_discount() -> None:
    assert cash_discount(balance(100_000, 0, 2_000, 1_500), None) == NO_DISCOUNT
    assert NO_DISCOUNT.total_cents == 0


@DOMAIN
@given(
    principal=st.integers(1, 10**9),
    correction=st.integers(0, 10**7),
    multa=st.integers(0, 10**7),
    juros=st.integers(0, 10**7),
    pct=st.decimals(0, 100, places=2),
    charges_cap=st.decimals(0, 100, places=2),
    principal_cap=st.decimals(0, 100, places=2),
)
def test_discounts_never_make_a_value_negative(
    principal: int,
    correction: int,
    multa: int,
    juros: int,
    pct: Decimal,
    charges_cap: Decimal,
    principal_cap: Decimal,
) -> None:
    item = balance(principal, correction, multa, juros)
    discount = cash_discount(item, DiscountTier(0, pct, charges_cap, principal_cap))
    assert 0 <= discount.juros_cents <= juros
    assert 0 <= discount.multa_cents <= multa
    assert 0 <= discount.correction_cents <= correction
    assert 0 <= discount.principal_cents <= principal
    assert discount.total_cents <= item.total_cents
    # Principal is touched only once every charge that may be discounted has been.
    if discount.principal_cents:
        charges_cap_cents = (2 * item.charges_cents * int(charges_cap * 100) + 10_000) // 20_000
        assert discount.total_cents - discount.principal_cents == charges_cap_cents
