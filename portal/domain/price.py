"""Tabela Price (French amortisation): level installments, exact to the centavo.

For a financed amount ``PV`` (centavos), a monthly rate ``i`` (a fraction) and ``m``
installments, with ``s(m) = ((1 + i)^m − 1) / i`` (``m`` when ``i = 0``):

* ``PMT = PV · i / (1 − (1 + i)^−m)``, or ``PV / m`` when ``i = 0``. The **regular installment**
  is ``P = round_half_up(PMT)``; installments 1 … m − 1 are all ``P``.
* The balance is carried **exactly** (a rational number of centavos, never rounded on the way):
  ``B_0 = PV``, ``B_k = B_{k−1} · (1 + i) − P``. The **last installment** is what is left,
  ``round_half_up(B_{m−1} · (1 + i))``, so the installments discounted at ``i`` month by month
  are worth ``PV`` to within half a centavo: the schedule, the CET and the payoff all count
  whole months from the release (``payoff.py``, ``cet.py``).
* The columns shown are centavos that add up: ``saldo_k = round_half_up(B_k)``,
  ``amortização_k = saldo_{k−1} − saldo_k``, ``juros_k = parcela_k − amortização_k``; hence
  ``Σ amortização = PV`` and ``Σ parcelas = PV + Σ juros`` exactly.
* **Level**: the last installment is ``P + δ · s(m)`` before its own rounding, with
  ``δ = PMT − P`` in [−½, ½]; so ``|last − P| ≤ ⌊(s(m) + 1) / 2⌋`` centavos (``⌊m / 2⌋`` when
  ``i = 0``, with nothing left to round: ``max_last_deviation_cents``). A schedule is level
  when no installment is zero and the last one differs from ``P`` by at most 1 % of ``P`` or
  1 centavo (``PriceSchedule.is_level``); a regular installment of at least
  ``smallest_level_payment_cents(i, m)`` guarantees it. At high rates and long terms ``s(m)``
  is huge (15 % × 72: about 156.000 centavos) and no schedule rounded to the centavo can be
  level for ordinary amounts (1.000,00 at 15 % × 72: ``P`` = 150,01 pays 413,62 too much before
  the last; 10.000,00 leaves 2.118,26 for the last against 1.500,06): the simulation does not
  offer such options and the policy editor refuses the rate and count pairs that need them.
* When ``P`` exceeds what is owed before the last installment (only in schedules that are not
  level), an installment is capped at what is owed and later ones are zero, so nothing is ever
  negative.

Worked example (hand-checked, see ``docs/negotiation.md``): PV 1.000,00 at 0,95 % a month over 5
months gives 205,74 four times and 205,72, with interest 9,50, 7,64, 5,75, 3,85 and 1,94.

Integer arithmetic: with ``i = num / den`` (``Decimal.as_integer_ratio``) the balance after ``k``
months is ``N_k / den^k`` with an integer ``N_k``; ``round_half_up(n / d)`` for ``n ≥ −d/2`` is
``(2·n + d) // (2·d)``. Nothing depends on a Decimal context.
"""

from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import pairwise

from portal.domain.errors import InvalidAmount
from portal.domain.money import require_cents

LEVEL_TOLERANCE_PCT = 1
"""The last installment may differ from the regular one by this percentage of it (or 1 centavo)."""


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

    @property
    def is_level(self) -> bool:
        """Every installment is the regular one except the last, which differs by at most 1 %
        of it (or 1 centavo); no installment is zero."""
        *regular, last = self.amounts
        payment = self.payment_cents
        return (
            min(self.amounts) > 0
            and all(amount == payment for amount in regular)
            and within_level_tolerance(payment, last)
        )


def within_level_tolerance(payment_cents: int, last_cents: int) -> bool:
    """True when ``last_cents`` differs from ``payment_cents`` by at most 1 % of it or 1 centavo."""
    difference = abs(last_cents - payment_cents)
    return difference <= 1 or 100 * difference <= LEVEL_TOLERANCE_PCT * payment_cents


def _check_rate(rate: object) -> tuple[int, int]:
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
        raise InvalidAmount("rate")
    return rate.as_integer_ratio()


def _check_count(count: object) -> int:
    if type(count) is not int or count < 1:
        raise InvalidAmount("count")
    return count


def _round_ratio(numerator: int, denominator: int) -> int:
    """``round_half_up(numerator / denominator)`` for ``denominator > 0`` and a ratio ≥ −½."""
    return (2 * numerator + denominator) // (2 * denominator)


def _payment_ratio(principal_cents: int, num: int, den: int, count: int) -> tuple[int, int]:
    """``PMT`` as an exact fraction ``(numerator, denominator)``."""
    if num == 0:
        return principal_cents, count
    grown, base = (den + num) ** count, den**count
    return principal_cents * num * grown, den * (grown - base)


def price_payment(principal_cents: int, rate: Decimal, count: int) -> Decimal:
    """The exact (unrounded) Price installment in centavos, ``PV·i / (1 − (1+i)^−m)``, as a
    Decimal with 34 significant digits."""
    numerator, denominator = _payment_ratio(
        principal_cents, *_check_rate(rate), _check_count(count)
    )
    with localcontext() as context:
        context.prec = 34
        return Decimal(numerator) / Decimal(denominator)


def max_last_deviation_cents(rate: Decimal, count: int) -> int:
    """The most the last installment of any schedule at ``rate`` in ``count`` installments can
    differ from the regular one: ``⌊(s(m) + 1) / 2⌋`` centavos (module docstring)."""
    num, den = _check_rate(rate)
    count = _check_count(count)
    if num == 0:
        return count // 2  # the last is PV − (m − 1)·P exactly: |δ·m| ≤ m/2, an integer
    # s(m) = ((den + num)^m − den^m) / (num · den^(m−1))
    s_numerator: int = (den + num) ** count - den**count
    s_denominator: int = num * den ** (count - 1)
    return (s_numerator + s_denominator) // (2 * s_denominator)


def smallest_level_payment_cents(rate: Decimal, count: int) -> int:
    """The smallest regular installment from which every schedule at ``rate`` in ``count``
    installments is level (no zero installment, the last within 1 % or 1 centavo)."""
    deviation = max_last_deviation_cents(rate, count)
    if deviation <= 1:
        return deviation + 1
    return deviation * 100 // LEVEL_TOLERANCE_PCT


def price_schedule(principal_cents: int, rate: Decimal, count: int) -> PriceSchedule:
    """The Price schedule of ``principal_cents`` at monthly ``rate`` (a fraction) in ``count``
    installments, as described in the module docstring."""
    require_cents("principal_cents", principal_cents)
    num, den = _check_rate(rate)
    count = _check_count(count)
    payment = _round_ratio(*_payment_ratio(principal_cents, num, den, count))
    growth = den + num
    amounts: list[int] = []
    balances: list[int] = []
    exact, scale = principal_cents, 1  # the exact balance is exact / scale
    for k in range(1, count + 1):
        exact, scale = exact * growth, scale * den
        # The last installment is what is owed; so is one that ``P`` would overpay (capped).
        capped = k == count or exact < payment * scale
        amount = _round_ratio(exact, scale) if capped else payment
        exact -= amount * scale
        if k < count and exact < 0:
            exact = 0  # only a capped (not level) schedule: the rounding up is forgiven
        amounts.append(amount)
        balances.append(_round_ratio(exact, scale))
    amortizations = [before - after for before, after in pairwise([principal_cents, *balances])]
    interests = [amount - part for amount, part in zip(amounts, amortizations, strict=True)]
    return PriceSchedule(
        payment, tuple(amounts), tuple(interests), tuple(amortizations), tuple(balances)
    )
