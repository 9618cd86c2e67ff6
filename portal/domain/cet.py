"""CET (custo efetivo total): of a plan on its own month count, and as an XIRR on dated flows.

**A plan's CET** (``plan_cet``, what the options and the terms show) uses the conventions of
its schedule (``price.py``) and of the early payoff (``payoff.py``): the amount financed is
released at month 0 and installment ``k`` is paid at month ``k`` — a due date moved to a
business day is a prorrogação (CC art. 132 §1), not a later payment — and a year is 12
months, as in the BCB's own worked example (flows one period apart: 3,08 % a.m., 43,93 % a.a.).
So with no fees the CET equals the plan's monthly rate at the precision shown (it differs only
by the last installment's rounding, far below 0,01 %); fees and taxes taken at the release
make it higher, and ``cet_note`` says why in one line. Counting actual days on the moved dates
instead made a 2,49 % a.m. plan show a CET of 2,37 % a.m. with no fee at all.

**Dated flows** (``xirr``, ``cet``): the formula of Res. CMN 3.517/2007, kept by Res. CMN
4.881/2020, for flows on actual dates::

    FC0 = Σ_j FC_j / (1 + CET_aa) ^ ((d_j − d_0) / 365)

* ``d_0`` is the release date and ``FC0`` the amount released net of up-front charges (fees,
  taxes); ``FC_j`` are the amounts the debtor pays on the dates ``d_j`` (actual calendar days,
  after any business-day roll).
* ``CET_aa`` is the annual effective rate; the monthly figure is its 12th root:
  ``CET_am = (1 + CET_aa)^(1/12) − 1``. With flows exactly one period apart the same solver gives
  the periodic IRR of the BCB's worked example (3,08 % a.m. / 43,93 % a.a.); on real dates
  (15 Jan → 15 Feb … 15 Jun 2026) the same amounts give 44,55 % a.a.
* Results are percentages rounded **once**, from the solver's full-precision value, to two
  places half to even (NBR 5891, as Res. 4.881 asks). Rounding an intermediate 4-place figure
  again would be wrong: 44,5450… must show 44,55, not 44,54.

The solver works on ``x = ln(1 + r)``: ``f(x) = FC0 − Σ FC_j · e^(−t_j·x)`` is increasing and
concave, so Newton's method started at a point where ``f ≤ 0`` climbs monotonically to the single
root without overshooting. Only rates ≥ 0 are supported (payments add up to at least ``FC0``);
``x = 0`` is then a valid start, and the exact case ``Σ FC_j = FC0`` returns 0 exactly. The amounts
are integer centavos; ``float`` is used only to evaluate discount factors while searching for the
*rate* (centavo amounts below 2^53 are exact in a float), never to produce a money value.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from portal.domain.errors import N_, InvalidCashFlows, Message

DAYS_PER_YEAR = 365
MONTHS_PER_YEAR = 12
TOLERANCE = 1e-10
_ZERO = Decimal(0)
CET_INCLUDES_FEES = "cet_includes_fees"
CET_ROUNDING = "cet_rounding"
MSG_CET_INCLUDES_FEES = N_(
    "O CET é maior que os juros do parcelamento porque inclui %(amount)s de tarifas e impostos "
    "cobrados na contratação."
)
MSG_CET_ROUNDING = N_(
    "O CET difere dos juros do parcelamento só pelo arredondamento das parcelas aos centavos."
)


def solve_rate(
    released: int,
    payments: Sequence[int],
    times: Sequence[float],
    *,
    guess: float = 0.0,
    max_iter: int = 100,
) -> float:
    """The rate ``r ≥ 0`` per unit of time with ``released = Σ payments_j · (1 + r)^−times_j``.

    ``times`` are in whatever unit the rate should be expressed in (periods for a periodic IRR,
    years for an XIRR). ``guess`` (a rate ``≥ 0``, e.g. the nominal one) only speeds things up.
    Newton stops when a step is below ``TOLERANCE`` in ``x = ln(1 + r)``: the error left after such
    a step is about ``t_max · step² / 2``, far below the 4 decimal places reported. Raises
    ``InvalidCashFlows`` unless ``released > 0``, every payment is ``≥ 0`` at a time ``≥ 0``, some
    payment happens at a time ``> 0``, the payments add up to at least ``released``, and Newton
    converges within ``max_iter`` steps.
    """
    if released <= 0 or len(payments) != len(times) or guess < 0:
        raise InvalidCashFlows()
    pairs: list[tuple[float, float]] = []
    total = at_zero = 0
    for amount, t in zip(payments, times, strict=True):
        if amount < 0 or t < 0:
            raise InvalidCashFlows()
        total += amount
        if not t:
            at_zero += amount
        elif amount:
            pairs.append((float(amount), float(t)))
    # Payments at time 0 are constants: they reduce what the later payments repay.
    target = released - at_zero
    if total < released or target <= 0 or not pairs:
        raise InvalidCashFlows()
    if total == released:
        return 0.0
    start = float(target)
    x = math.log1p(guess)
    for _ in range(max_iter):
        f = start
        slope = 0.0
        for weight, t in pairs:
            discounted = weight * math.exp(-t * x)
            f -= discounted
            slope += t * discounted
        step = f / slope
        x = max(0.0, x - step)
        if abs(step) <= TOLERANCE:
            return math.expm1(x)
    raise InvalidCashFlows()


def xirr(released: int, released_on: date, payments: Sequence[tuple[date, int]]) -> float:
    """Annual effective rate of dated flows, times ``(d_j − d_0) / 365`` (see module docstring)."""
    return solve_rate(
        released,
        [amount for _, amount in payments],
        [(day - released_on).days / DAYS_PER_YEAR for day, _ in payments],
    )


def rate_to_pct(rate: float, places: int = 2) -> Decimal:
    """A rate (fraction) as a percentage with ``places`` decimals, half to even (NBR 5891).

    ``Decimal(rate)`` is the float's exact binary value, so the result does not depend on how
    the float would be printed.
    """
    return (Decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Cet:
    """CET as percentages with two places: monthly and annual (both effective)."""

    monthly_pct: Decimal
    annual_pct: Decimal


NO_COST = Cet(_ZERO, _ZERO)


def annual_to_cet(annual_rate: float) -> Cet:
    """Both CET figures from an annual effective rate: monthly is ``(1 + aa)^(1/12) − 1``."""
    monthly = math.expm1(math.log1p(annual_rate) / 12)
    return Cet(rate_to_pct(monthly), rate_to_pct(annual_rate))


def cet(
    released_cents: int,
    released_on: date,
    payments: Sequence[tuple[date, int]],
    *,
    upfront_charges_cents: int = 0,
) -> Cet:
    """The CET of a credit of ``released_cents`` on ``released_on`` repaid by ``payments``.

    ``upfront_charges_cents`` (fees, taxes) are deducted from the amount released, as in the BCB
    example (1.000,00 − 50,00 − 10,00 = 940,00 released).
    """
    return annual_to_cet(xirr(released_cents - upfront_charges_cents, released_on, payments))


def plan_cet(
    financed_cents: int,
    amounts: Sequence[int],
    *,
    upfront_charges_cents: int = 0,
    guess: float = 0.0,
) -> Cet:
    """The CET of a plan: ``financed_cents`` (less ``upfront_charges_cents``) released at month
    0, ``amounts[k − 1]`` paid at month ``k`` (see the module docstring); ``guess`` is an annual
    rate that only speeds the solver up. Raises ``InvalidCashFlows`` as ``solve_rate``."""
    times = [k / MONTHS_PER_YEAR for k in range(1, len(amounts) + 1)]
    return annual_to_cet(
        solve_rate(financed_cents - upfront_charges_cents, amounts, times, guess=guess)
    )


def cet_note(
    plan_monthly_rate_pct: Decimal, cost: Cet, upfront_charges_cents: int = 0
) -> Message | None:
    """One line saying why the monthly CET shown differs from the plan's monthly rate shown
    (both with two places; the rate rounded half-up as the pages show it), or None when they
    are the same: fees and taxes at the release, or else only the rounding of the installments
    to the centavo."""
    shown_rate = plan_monthly_rate_pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if cost.monthly_pct == shown_rate:
        return None
    if upfront_charges_cents > 0:
        return Message.of(
            CET_INCLUDES_FEES, MSG_CET_INCLUDES_FEES, amount_cents=upfront_charges_cents
        )
    return Message.of(CET_ROUNDING, MSG_CET_ROUNDING)
