"""Money and percentage helpers: integer centavos outside, ``Decimal`` inside.

Conventions used by the whole engine:

* **Money** crosses every boundary as ``int`` centavos (``123450`` is R$ 1.234,50). Arithmetic on
  money happens in ``Decimal`` and is brought back to centavos with ``ROUND_HALF_UP`` (0.5 centavo
  rounds away from zero), never through ``float``.
* **Percentages** are ``Decimal`` in percent units: ``Decimal("2")`` means 2 %. Names ending in
  ``_pct`` always hold percent units. Internally a percentage becomes a *rate* (a fraction,
  ``Decimal("0.02")``) with ``pct_to_rate``; names ending in ``rate`` hold fractions.
* Rounding modes are always passed explicitly, so a caller's decimal context cannot change results.
"""

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from portal.domain.errors import InvalidAmount

HUNDRED = Decimal(100)
_UNIT = Decimal(1)


def require_cents(field: str, value: int, *, minimum: int = 0) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) of at least ``minimum`` centavos.

    Raises ``InvalidAmount(field)`` otherwise, so a float or a negative amount never slips in.
    """
    if type(value) is not int or value < minimum:
        raise InvalidAmount(field)
    return value


def round_half_up(value: Decimal) -> int:
    """Round a Decimal number of centavos to an int, half away from zero (ROUND_HALF_UP)."""
    return int(value.quantize(_UNIT, rounding=ROUND_HALF_UP))


def round_up(value: Decimal) -> int:
    """Round a Decimal number of centavos up (ceiling): used for "at least" minimums."""
    return int(value.quantize(_UNIT, rounding=ROUND_CEILING))


def is_pct(value: object, upper: Decimal) -> bool:
    """True when ``value`` is a finite ``Decimal`` percentage in ``[0, upper]`` (not a float)."""
    return isinstance(value, Decimal) and value.is_finite() and 0 <= value <= upper


def pct_to_rate(pct: Decimal) -> Decimal:
    """Convert percent units to a fraction: ``Decimal("0.95")`` becomes ``Decimal("0.0095")``."""
    return pct / HUNDRED


def percent_of(cents: int, pct: Decimal) -> int:
    """``pct`` percent of ``cents``, rounded half-up to the centavo."""
    return round_half_up(cents * pct / HUNDRED)


def cents_to_decimal(cents: int) -> Decimal:
    """Centavos as a Decimal amount of reais with two places: ``12345`` becomes ``123.45``."""
    return Decimal(cents).scaleb(-2)


def decimal_to_cents(amount: Decimal) -> int:
    """A Decimal amount of reais as centavos, rounded half-up: ``Decimal("1.005")`` gives 101."""
    return round_half_up(amount.scaleb(2))
