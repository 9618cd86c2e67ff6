"""Tabela Price (French amortisation) exact to the centavo.

For a financed amount ``PV`` (centavos), a monthly rate ``i`` (a fraction) and ``m`` installments:

* ``PMT = PV · i / (1 − (1 + i)^−m)``, or ``PV / m`` when ``i = 0``; rounded half-up to the
  centavo. This is the regular installment.
* Period by period: ``juros_k = round_half_up(saldo_{k−1} · i)``, ``amortização_k = PMT − juros_k``,
  ``saldo_k = saldo_{k−1} − amortização_k``.
* The **last installment absorbs the remainder**: it is ``saldo_{m−1} + juros_m``, so the balance
  ends at exactly zero and ``Σ installments = PV + Σ juros`` to the centavo.
* Tiny amounts (less than a centavo per installment) could make ``PMT`` pay off the balance early;
  an installment is then capped at what is still owed, later ones are zero, and nothing is ever
  negative. Such options fall below any minimum installment and are marked invalid upstream.

Worked example (hand-checked, see ``docs/negotiation.md``): PV 1.000,00 at 0,95 % a month over 5
months gives 205,74 four times and 205,72, with interest 9,50, 7,64, 5,75, 3,85 and 1,94.
"""

from dataclasses import dataclass
from decimal import Decimal

from portal.domain.errors import InvalidAmount
from portal.domain.money import require_cents, round_half_up


@dataclass(frozen=True, slots=True)
class PriceSchedule:
    """A Price schedule, column by column (index ``k - 1`` is installment ``k``). Centavos."""

    payment_cents: int
    amounts: tuple[int, ...]
    interests: tuple[int, ...]
    amortizations: tuple[int, ...]
    balances: tuple[int, ...]

    @property
    def total_cents(self) -> int:
        """Sum of all installments."""
        return sum(self.amounts)

    @property
    def total_interest_cents(self) -> int:
        """Sum of the interest parts."""
        return sum(self.interests)


def price_payment(principal_cents: int, rate: Decimal, count: int) -> Decimal:
    """The exact (unrounded) Price installment in centavos, ``PV·i / (1 − (1+i)^−m)``."""
    if rate == 0:
        return Decimal(principal_cents) / count
    return principal_cents * rate / (1 - (1 + rate) ** -count)


def price_schedule(principal_cents: int, rate: Decimal, count: int) -> PriceSchedule:
    """The Price schedule of ``principal_cents`` at monthly ``rate`` (a fraction) in ``count``
    installments, rounded as described in the module docstring.

    Each period's interest is rounded half-up in exact integer arithmetic: with
    ``rate = num / den`` (``Decimal.as_integer_ratio``), ``round_half_up(b · num / den)`` is
    ``(2·b·num + den) // (2·den)`` for ``b ≥ 0`` — the same result as Decimal's ``ROUND_HALF_UP``,
    without a Decimal operation per period.
    """
    require_cents("principal_cents", principal_cents)
    if type(count) is not int or count < 1:
        raise InvalidAmount("count")
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
        raise InvalidAmount("rate")
    payment = round_half_up(price_payment(principal_cents, rate, count))
    numerator, denominator = rate.as_integer_ratio()
    twice_denominator = 2 * denominator
    amounts: list[int] = []
    interests: list[int] = []
    amortizations: list[int] = []
    balances: list[int] = []
    balance = principal_cents
    last = count - 1
    for k in range(count):
        interest = (2 * balance * numerator + denominator) // twice_denominator
        owed = balance + interest
        amount = owed if k == last else min(payment, owed)
        balance = owed - amount
        amounts.append(amount)
        interests.append(interest)
        amortizations.append(amount - interest)
        balances.append(balance)
    return PriceSchedule(
        payment, tuple(amounts), tuple(interests), tuple(amortizations), tuple(balances)
    )
