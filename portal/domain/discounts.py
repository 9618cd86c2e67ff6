"""À vista discount of one item: charges first, then principal, each with its own cap.

For an item's updated balance and the policy tier matching its days overdue:

1. ``target = round(total · discount_pct / 100)``;
2. ``from_charges = min(target, round(charges · max_charges_discount_pct / 100))``, taken from
   juros first, then multa, then correção (each at most its own value);
3. ``from_principal = min(target - from_charges,
   round(principal · max_principal_discount_pct / 100))``.

Every cap is a fraction (at most 100 %) of the value it applies to, so no component, and no
discounted total, can become negative. No tier means no discount.
"""

from dataclasses import dataclass

from portal.domain.charges import UpdatedBalance
from portal.domain.money import percent_of
from portal.domain.policy import DiscountTier


@dataclass(frozen=True, slots=True)
class CashDiscount:
    """How much of each component of one item the à vista option waives. Centavos."""

    juros_cents: int
    multa_cents: int
    correction_cents: int
    principal_cents: int

    @property
    def total_cents(self) -> int:
        """The whole discount on the item."""
        return self.juros_cents + self.multa_cents + self.correction_cents + self.principal_cents


NO_DISCOUNT = CashDiscount(0, 0, 0, 0)


def cash_discount(balance: UpdatedBalance, tier: DiscountTier | None) -> CashDiscount:
    """The à vista discount of ``balance`` under ``tier`` (rules in the module docstring)."""
    if tier is None:
        return NO_DISCOUNT
    target = percent_of(balance.total_cents, tier.discount_pct)
    left = min(target, percent_of(balance.charges_cents, tier.max_charges_discount_pct))
    taken = []
    for available in (balance.juros_cents, balance.multa_cents, balance.correction_cents):
        part = min(left, available)
        taken.append(part)
        left -= part
    from_charges = sum(taken)
    principal_cap = percent_of(balance.principal_cents, tier.max_principal_discount_pct)
    from_principal = min(target - from_charges, principal_cap)
    return CashDiscount(taken[0], taken[1], taken[2], from_principal)
