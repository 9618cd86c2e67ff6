"""Early payoff of an agreement's remaining installments (CDC art. 52 §2).

The consumer who pays in advance is entitled to a proportional reduction of interest. The engine
brings every remaining installment to its present value at the plan's monthly rate ``i``,
pro rata die on a 30-day month (the same day count as the juros de mora)::

    PV_k = round_half_up(amount_k / (1 + i) ^ (days_k / 30)),   days_k = due_k − as_of

An installment due on or before ``as_of`` is counted at face value (no interest to remove; late
charges on it, if any, are not this function's business). The payoff is ``Σ PV_k`` and the
interest removed is ``Σ amount_k − payoff``. With ``i = 0`` nothing is removed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.domain.errors import InvalidAmount
from portal.domain.money import pct_to_rate, require_cents, round_half_up

_DAYS_PER_MONTH = Decimal(30)


@dataclass(frozen=True, slots=True)
class Payoff:
    """What settles the remaining installments on ``as_of``. Centavos."""

    as_of: date
    face_value_cents: int
    payoff_cents: int
    interest_removed_cents: int


def early_payoff(
    remaining: Sequence[tuple[date, int]], monthly_rate_pct: Decimal, as_of: date
) -> Payoff:
    """The payoff on ``as_of`` of ``remaining`` ``(due_date, amount_cents)`` installments at the
    plan's ``monthly_rate_pct`` (percent units), as described in the module docstring."""
    rate = monthly_rate_pct
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
        raise InvalidAmount("monthly_rate_pct")
    growth = 1 + pct_to_rate(rate)
    face = payoff = 0
    for due_date, amount_cents in remaining:
        amount = require_cents("amount_cents", amount_cents)
        face += amount
        days = (due_date - as_of).days
        if days > 0:
            payoff += round_half_up(amount / growth ** (days / _DAYS_PER_MONTH))
        else:
            payoff += amount
    return Payoff(as_of, face, payoff, face - payoff)
