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

import re
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from portal.domain.errors import N_, InvalidAmount, Message

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


# --- amounts typed by people --------------------------------------------------------------------

MAX_TYPED_CENTS = 10**11
"""R$ 1 bilhão: the largest amount a person may type anywhere (above it is surely a typo)."""
_SIGNS = frozenset("+-\u2212\u2013")  # plus, hyphen-minus, minus sign, en dash
_TYPED = re.compile(r"[0-9.,]+")
_EXPONENT = re.compile(r"[0-9.,]*[0-9][eE][+-]?[0-9]+")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_LEADING_ZERO_GROUP = re.compile(r"0[0-9]{0,2}\.[0-9]{3}")
MSG_MONEY_EMPTY = N_("Informe um valor em reais, por exemplo 150,00.")
MSG_MONEY_NOT_A_NUMBER = N_(
    "Use só algarismos, com vírgula antes dos centavos, por exemplo 1.234,56."
)
MSG_MONEY_SIGN = N_("Informe o valor sem sinal de mais ou de menos.")
MSG_MONEY_EXPONENT = N_("Escreva o valor com todos os algarismos, sem notação científica.")
MSG_MONEY_DECIMALS = N_("Use no máximo dois algarismos para os centavos, por exemplo 10,50.")
MSG_MONEY_DECIMAL_MARKS = N_("Use uma vírgula só, antes dos centavos, por exemplo 1.234,56.")
MSG_MONEY_MIXED = N_(
    "Use o ponto para os milhares e a vírgula para os centavos, por exemplo 1.234,56."
)
MSG_MONEY_GROUPING = N_(
    "O ponto separa os milhares de três em três algarismos, por exemplo 1.234.567,89."
)
MSG_MONEY_TOO_LARGE = N_("O valor passa de %(amount)s: confira os algarismos.")


class InvalidMoneyText(ValueError):
    """Typed text that is not an amount in reais; ``message`` says why, in pt-BR (a msgid)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.code)
        self.message = message

    @property
    def reason(self) -> str:
        """The stable code of the reason (``"sign"``, ``"too_many_decimals"``, …)."""
        return self.message.code


def _refuse(code: str, key: str, **params: int | str) -> InvalidMoneyText:
    return InvalidMoneyText(Message.of(code, key, **params))


def _split_marks(compact: str) -> tuple[str, str]:
    """``(whole, decimals)`` of text made of digits, dots and commas, by the rules of
    ``parse_brl``; ``whole`` may still hold grouping dots."""
    if compact.count(",") > 1:
        raise _refuse("several_decimal_marks", MSG_MONEY_DECIMAL_MARKS)
    if "," in compact:
        whole, decimals = compact.split(",")
        if "." in decimals:
            raise _refuse("mixed_separators", MSG_MONEY_MIXED)
    else:
        whole, dot, decimals = compact.rpartition(".")
        if not dot or len(decimals) == 3:  # no dot, or a grouping dot
            whole, decimals = compact, ""
            if _LEADING_ZERO_GROUP.fullmatch(whole):  # 0.001: meant as decimals
                raise _refuse("too_many_decimals", MSG_MONEY_DECIMALS)
    if len(decimals) > 2:
        raise _refuse("too_many_decimals", MSG_MONEY_DECIMALS)
    if not decimals and compact[-1] in ",.":
        raise _refuse("not_a_number", MSG_MONEY_NOT_A_NUMBER)
    if "." in whole:
        if not _GROUPED.fullmatch(whole):
            raise _refuse("bad_grouping", MSG_MONEY_GROUPING)
        whole = whole.replace(".", "")
    if not whole:
        raise _refuse("not_a_number", MSG_MONEY_NOT_A_NUMBER)
    return whole, decimals


def parse_brl(text: str) -> int:
    """An amount in reais typed by a person (form, CSV cell, planner) as integer centavos.

    The one parser for typed money. Rules:

    * ``R$`` (in front), spaces and non-breaking spaces are ignored;
    * with a comma, the comma is the decimal mark and dots group thousands in threes
      (``1.234,56``, ``1234,5``);
    * without a comma, a dot followed by one or two final digits is the decimal mark
      (``50.00``, ``1234.5``) and a dot followed by three digits groups thousands (``1.000``);
    * anything else is refused: several decimal marks, ``1,234.56``, exponents, signs, more
      than two decimals, NaN/Infinity, more than R$ 1 bilhão (``MAX_TYPED_CENTS``).

    Raises ``InvalidMoneyText`` (a ``ValueError``) whose ``message`` is a pt-BR msgid the form
    shows translated. Hand-written rather than Babel's ``parse_decimal``: that one follows the
    reader's locale and reads ``50.00`` typed on a pt-BR phone as five thousand.
    """
    compact = "".join(char for char in str(text) if not char.isspace())
    if compact[:2].upper() == "R$":
        compact = compact[2:]
    if not compact:
        raise _refuse("empty", MSG_MONEY_EMPTY)
    if _EXPONENT.fullmatch(compact):
        raise _refuse("exponent", MSG_MONEY_EXPONENT)
    if any(char in _SIGNS for char in compact):
        raise _refuse("sign", MSG_MONEY_SIGN)
    if not _TYPED.fullmatch(compact):
        raise _refuse("not_a_number", MSG_MONEY_NOT_A_NUMBER)
    whole, decimals = _split_marks(compact)
    whole = whole.lstrip("0")
    cents = int(whole or "0") * 100 + int(decimals.ljust(2, "0")) if len(whole) <= 12 else -1
    if not 0 <= cents <= MAX_TYPED_CENTS:
        raise _refuse("too_large", MSG_MONEY_TOO_LARGE, amount_cents=MAX_TYPED_CENTS)
    return cents


def format_brl(cents: int) -> str:
    """Centavos as typed in Brazil, without the symbol: ``123456`` → ``1.234,56``."""
    reais, centavos = divmod(require_cents("cents", cents), 100)
    return f"{reais:,}".replace(",", ".") + f",{centavos:02d}"
