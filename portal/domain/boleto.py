"""Boleto de cobrança: the bar code and its linha digitável, by FEBRABAN's layout.

The bar code has 44 digits::

    BBB M D FFFF VVVVVVVVVV LLLLLLLLLLLLLLLLLLLLLLLLL
    bank currency(9=real) general-check-digit due-factor amount(centavos) free-field(25)

The linha digitável (47 digits) regroups them in five fields the payer types::

    field 1: bank, currency, free field 1-5      + its mod-10 check digit   (10 digits)
    field 2: free field 6-15                     + its mod-10 check digit   (11 digits)
    field 3: free field 16-25                    + its mod-10 check digit   (11 digits)
    field 4: the general check digit (mod 11 of the bar code)                (1 digit)
    field 5: due factor and amount                                           (14 digits)

Rules (FEBRABAN, "Layout padrão de arrecadação/recebimento com utilização do código de barras",
and its bloqueto de cobrança specification, as every bank's boleto manual reproduces them):

* **mod 10** (fields 1-3): from the rightmost digit, multiply by 2, 1, 2, 1, …; add the
  *digits* of each product (a product above 9 counts as product − 9); the check digit is
  ``(10 − sum mod 10) mod 10``.
* **mod 11** (the bar code's general digit, position 5): the other 43 digits, from the
  rightmost, multiplied by 2, 3, …, 9, 2, 3, …; ``11 − sum mod 11``; 0, 10 and 11 become 1.
* **due factor**: days since 1997-10-07 (factor 1000 is 2000-07-03); after factor 9999
  (2025-02-21) it starts again at 1000 (2025-02-22), FEBRABAN's 2025 "reinício do fator".
  ``0000`` means no due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

BASE_DATE = date(1997, 10, 7)
CURRENCY_REAL = "9"
MAX_AMOUNT_CENTS = 99_999_999_99  # ten digits of centavos


class InvalidBoleto(ValueError):
    """Not a valid linha digitável or bar code (length, digits or a check digit)."""


def _digits(text: str, length: int, what: str) -> str:
    if len(text) != length or not text.isascii() or not text.isdigit():
        raise InvalidBoleto(f"{what} must be {length} digits")
    return text


def mod10(digits: str) -> int:
    """FEBRABAN's module-10 check digit (weights 2, 1, 2, … from the right)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def mod11(digits: str) -> int:
    """FEBRABAN's module-11 general check digit of a bar code (weights 2-9 from the right;
    results 0, 10 and 11 become 1)."""
    total = sum(int(char) * (2 + position % 8) for position, char in enumerate(reversed(digits)))
    digit = 11 - total % 11
    return 1 if digit in (0, 10, 11) else digit


def due_factor(due: date) -> str:
    """The four-digit due factor (from 1000 on 2000-07-03; 1000 again on 2025-02-22)."""
    days = (due - BASE_DATE).days
    if days < 1000:
        raise InvalidBoleto("a boleto's due date must be on or after 2000-07-03")
    return f"{(days - 1000) % 9000 + 1000:04d}"


@dataclass(frozen=True)
class Boleto:
    """A parsed boleto: the bar code and the parts it carries."""

    barcode: str
    bank: str
    factor: str
    amount_cents: int
    free_field: str

    @property
    def line(self) -> str:
        """The 47 digits of the linha digitável."""
        return line_from_barcode(self.barcode)

    @property
    def formatted_line(self) -> str:
        return format_line(self.line)


def build_barcode(*, bank: str, due: date | None, amount_cents: int, free_field: str) -> str:
    """The 44-digit bar code of a boleto (``due`` None: no due date, factor ``0000``)."""
    _digits(bank, 3, "the bank code")
    _digits(free_field, 25, "the free field")
    if not 0 <= amount_cents <= MAX_AMOUNT_CENTS:
        raise InvalidBoleto("the amount does not fit in ten digits of centavos")
    factor = "0000" if due is None else due_factor(due)
    body = f"{bank}{CURRENCY_REAL}{factor}{amount_cents:010d}{free_field}"
    return f"{body[:4]}{mod11(body)}{body[4:]}"


def line_from_barcode(barcode: str) -> str:
    """The linha digitável (47 digits, no separators) of a valid bar code."""
    parse_barcode(barcode)
    field1 = barcode[0:4] + barcode[19:24]
    field2 = barcode[24:34]
    field3 = barcode[34:44]
    return (
        f"{field1}{mod10(field1)}{field2}{mod10(field2)}{field3}{mod10(field3)}"
        f"{barcode[4]}{barcode[5:19]}"
    )


def parse_barcode(barcode: str) -> Boleto:
    _digits(barcode, 44, "a bar code")
    if int(barcode[4]) != mod11(barcode[:4] + barcode[5:]):
        raise InvalidBoleto("the general check digit does not match")
    return Boleto(
        barcode=barcode,
        bank=barcode[0:3],
        factor=barcode[5:9],
        amount_cents=int(barcode[9:19]),
        free_field=barcode[19:44],
    )


def parse_line(text: str) -> Boleto:
    """A linha digitável as typed or printed (dots and spaces ignored), every digit checked."""
    line = _digits("".join(ch for ch in text if ch not in ". \t\n"), 47, "a linha digitável")
    fields = ((line[0:9], line[9]), (line[10:20], line[20]), (line[21:31], line[31]))
    for number, (digits, check) in enumerate(fields, start=1):
        if mod10(digits) != int(check):
            raise InvalidBoleto(f"the check digit of field {number} does not match")
    barcode = line[0:4] + line[32] + line[33:47] + line[4:9] + line[10:20] + line[21:31]
    return parse_barcode(barcode)


def format_line(line: str) -> str:
    """``AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE``, as printed on a boleto."""
    _digits(line, 47, "a linha digitável")
    return (
        f"{line[0:5]}.{line[5:10]} {line[10:15]}.{line[15:21]} "
        f"{line[21:26]}.{line[26:32]} {line[32]} {line[33:47]}"
    )
