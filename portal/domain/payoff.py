"""Paying early: settle now, or prepay the last installments, with the interest removed pro rata
(CDC art. 52 §2), on the very day count of the schedule.

The schedule (``price.py``) counts whole months from its anchor, the first due date the debtor
chose (``Offer.first_due_date``, where the amount financed is released): installment ``k`` is
month ``k``. A due date moved to a business day changes nothing (paying on the moved date is on
time, CC art. 132 §1). A day counts as the months elapsed since the anchor, pro rata die inside
the month it falls in::

    τ(d) = j + (d − A_j) / (A_{j+1} − A_j),   A_j = add_months(anchor, j) ≤ d < A_{j+1}

(``τ = 0`` before the anchor: nothing is released yet). An installment ``k`` still owed on
``as_of`` is worth its amount discounted at the plan's monthly rate ``i`` for what is left of
its term, and its face value once its month has come (nothing left to remove; late charges,
if any, are not this module's business)::

    PV_k = amount_k / (1 + i)^(k − τ)   if k > τ,   else amount_k

**Settling** pays ``Σ PV_k`` of every installment still owed; **prepaying** the last ``N`` pays
``Σ PV_k`` of the ``N`` with the highest numbers (installments are reduced from the last
backwards). The sum is rounded half-up once. Because the schedule is worth the amount financed
to within half a centavo, settling on the release day costs exactly the amount financed
(10.000,00 at 5 % × 12 → 10.000,00; the previous days/30 count on the moved dates gave
9.962,82), and settling right after installment ``j`` costs the schedule's balance after ``j``
within a centavo (the last installment's own rounding). With ``i = 0`` nothing is removed.

A payment covering several installments is booked to each by :func:`shares`: the parts add
up to the payoff exactly, each within a centavo of its ``PV_k``.

Exact arithmetic: whole months are discounted with fractions; only the fraction of a month
``(1 + i)^f`` is irrational, evaluated with 50 significant digits (far below a centavo).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

from portal.domain.calendar import add_months
from portal.domain.errors import InvalidAmount
from portal.domain.money import require_cents

_PRECISION = 50


@dataclass(frozen=True, slots=True)
class Payoff:
    """What pays ``installment_numbers`` on ``as_of``. Centavos."""

    as_of: date
    installment_numbers: tuple[int, ...]
    face_value_cents: int
    payoff_cents: int

    @property
    def interest_removed_cents(self) -> int:
        """The interest the early payment does not pay: face value − payoff."""
        return self.face_value_cents - self.payoff_cents


def months_elapsed(anchor: date, day: date) -> Fraction:
    """``τ(day)``: whole months since ``anchor``, plus the elapsed share of the current month
    (actual days over the days of that month of the schedule); 0 on or before ``anchor``."""
    if day <= anchor:
        return Fraction(0)
    whole = (day.year - anchor.year) * 12 + day.month - anchor.month
    if add_months(anchor, whole) > day:
        whole -= 1
    start, end = add_months(anchor, whole), add_months(anchor, whole + 1)
    return whole + Fraction((day - start).days, (end - start).days)


def _checked(
    owed: Sequence[tuple[int, int]], monthly_rate_pct: Decimal
) -> tuple[list[tuple[int, int]], Fraction]:
    rate = monthly_rate_pct
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
        raise InvalidAmount("monthly_rate_pct")
    checked = []
    for number, amount in owed:
        if type(number) is not int or number < 0:
            raise InvalidAmount("number")
        checked.append((number, require_cents("amount_cents", amount)))
    if len({number for number, _ in checked}) < len(checked):
        raise InvalidAmount("number")
    return sorted(checked), 1 + Fraction(rate) / 100


def _present_values(
    chosen: list[tuple[int, int]], growth: Fraction, anchor: date, as_of: date
) -> list[Fraction]:
    """``PV_k`` of each chosen installment on ``as_of``, exactly (the fraction of a month at
    :data:`_PRECISION` significant digits)."""
    elapsed = months_elapsed(anchor, as_of)
    whole = int(elapsed)
    part = elapsed - whole
    factor = Fraction(1)
    if part:
        with localcontext() as context:
            context.prec = _PRECISION
            base = Decimal(growth.numerator) / Decimal(growth.denominator)
            factor = Fraction(base ** (Decimal(part.numerator) / part.denominator))
    return [
        Fraction(amount) if number <= whole else amount / growth ** (number - whole) * factor
        for number, amount in chosen
    ]


def _round(value: Fraction) -> int:
    """Half-up to a whole centavo (``value`` is never negative)."""
    return int((value + Fraction(1, 2)) // 1)


def _payoff(chosen: list[tuple[int, int]], growth: Fraction, anchor: date, as_of: date) -> Payoff:
    values = _present_values(chosen, growth, anchor, as_of)
    return Payoff(
        as_of,
        tuple(number for number, _ in chosen),
        sum(amount for _, amount in chosen),
        _round(sum(values, Fraction(0))),
    )


def settlement(
    owed: Sequence[tuple[int, int]], monthly_rate_pct: Decimal, anchor: date, as_of: date
) -> Payoff:
    """What settles every installment still owed on ``as_of`` ("Quitar agora").

    ``owed`` holds ``(number, amount_cents)`` of each unpaid installment (number 0 is the
    entrada); ``monthly_rate_pct`` is the plan's rate in percent units and ``anchor`` the
    schedule's first due date. Rules in the module docstring. Raises ``InvalidAmount``.
    """
    chosen, growth = _checked(owed, monthly_rate_pct)
    return _payoff(chosen, growth, anchor, as_of)


def prepayment(
    owed: Sequence[tuple[int, int]],
    count: int,
    monthly_rate_pct: Decimal,
    anchor: date,
    as_of: date,
) -> Payoff:
    """What pays the last ``count`` installments still owed on ``as_of`` ("Antecipar
    parcelas"), from the last backwards; arguments as in ``settlement``. Raises
    ``InvalidAmount("count")`` unless ``1 ≤ count ≤ len(owed)``."""
    chosen, growth = _checked(owed, monthly_rate_pct)
    if type(count) is not int or not 1 <= count <= len(chosen):
        raise InvalidAmount("count")
    return _payoff(chosen[-count:], growth, anchor, as_of)


def shares(
    owed: Sequence[tuple[int, int]], monthly_rate_pct: Decimal, anchor: date, as_of: date
) -> tuple[int, ...]:
    """Each installment's part of ``settlement(owed, …)``, in number order: its present value
    in whole centavos, the parts adding up to the payoff exactly.

    Every part is its ``PV_k`` rounded down, and the centavos the sum still needs go to the
    largest remainders (ties to the later installment), so an installment at face value keeps
    its face value and no part is off by a centavo or more. A payment covering several
    installments is booked to each with these parts (what it paid, and the interest removed:
    ``amount − part``). For a prepayment pass the installments it covers (the last ``count``).
    """
    chosen, growth = _checked(owed, monthly_rate_pct)
    values = _present_values(chosen, growth, anchor, as_of)
    parts = [value.numerator // value.denominator for value in values]
    left = _round(sum(values, Fraction(0))) - sum(parts)
    by_remainder = sorted(range(len(values)), key=lambda k: (values[k] - parts[k], k), reverse=True)
    for k in by_remainder[:left]:
        parts[k] += 1
    return tuple(parts)
