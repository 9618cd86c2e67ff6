"""Monetary-correction index tables (e.g. IPCA) and their pt-BR CSV parser.

A table holds a *número-índice* per month, contiguous from ``first_month``. Correction between two
months is the ratio of their index numbers (see ``charges.py`` for which months are used).

Creditors usually supply one of two CSV shapes, both with pt-BR conventions (``;`` separator,
comma decimals, optional ``.`` thousands separators, months as ``MM/AAAA`` or ``AAAA-MM``):

* ``IndexKind.NUMBER`` — the index number itself (``01/2025;7.111,86``);
* ``IndexKind.MONTHLY_PCT`` — the month's variation in percent (``01/2025;0,16``). It is chained
  into index numbers: the month *before* the first row gets 1 and each month multiplies the
  previous number by ``1 + v/100``.

An optional header line (first non-blank line whose first field is not a month) and lines starting
with ``#`` are ignored. The parser takes *text*: reading the file is the caller's job.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from portal.domain.errors import IndexNotAvailable, InvalidIndexTable, InvalidPolicy
from portal.domain.money import HUNDRED

_MONTH_BR = re.compile(r"^(\d{2})/(\d{4})$")
_MONTH_ISO = re.compile(r"^(\d{4})-(\d{2})$")
_NUMBER_BR = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


class IndexKind(StrEnum):
    """What the value column of an index CSV holds."""

    NUMBER = "numero_indice"
    MONTHLY_PCT = "variacao_mensal"


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def shift_month(month: date, months: int) -> date:
    """The first day of the month ``months`` after (or before, if negative) ``month``."""
    years, index = divmod(month.month - 1 + months, 12)
    return date(month.year + years, index + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start``'s month to ``end``'s month (negative if ``end`` is earlier)."""
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True, slots=True)
class IndexTable:
    """Index numbers for consecutive months starting at ``first_month`` (a first-of-month date)."""

    name: str
    first_month: date
    values: tuple[Decimal, ...]

    def __post_init__(self) -> None:
        if self.first_month.day != 1:
            raise InvalidPolicy("correction.first_month")
        if not self.values:
            raise InvalidPolicy("correction.values")
        for value in self.values:
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise InvalidPolicy("correction.values")

    @property
    def last_month(self) -> date:
        """The most recent month with a value."""
        return shift_month(self.first_month, len(self.values) - 1)

    def value(self, month: date) -> Decimal:
        """The index number of ``month``'s month; ``IndexNotAvailable`` outside the table."""
        offset = months_between(self.first_month, month)
        if not 0 <= offset < len(self.values):
            raise IndexNotAvailable(month_start(month).isoformat()[:7])
        return self.values[offset]

    def factor(self, start: date, end: date) -> Decimal:
        """Correction factor from ``start``'s month to ``end``'s month: ``I(end) / I(start)``."""
        return self.value(end) / self.value(start)


def _parse_month(field: str) -> date | None:
    match = _MONTH_BR.match(field)
    if match:
        month, year = int(match[1]), int(match[2])
    else:
        match = _MONTH_ISO.match(field)
        if not match:
            return None
        year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def _parse_number(field: str) -> Decimal | None:
    if not _NUMBER_BR.match(field):
        return None
    return Decimal(field.replace(".", "").replace(",", "."))


def parse_index_csv(text: str, *, name: str, kind: IndexKind) -> IndexTable:
    """Parse a pt-BR index CSV (see the module docstring) into an ``IndexTable``.

    Raises ``InvalidIndexTable(line)`` with the 1-based line number of the first bad line: wrong
    field count, bad month or number, a gap or repetition in the months, a non-positive index
    number or a variation of -100 % or less. An empty table is reported at line 0.
    """
    months: list[date] = []
    numbers: list[Decimal] = []
    seen_data = False
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [part.strip() for part in line.split(";")]
        month = _parse_month(fields[0])
        if month is None and not seen_data:
            seen_data = True  # a header line: only allowed before any data
            continue
        seen_data = True
        number = _parse_number(fields[1]) if len(fields) == 2 else None
        if month is None or number is None:
            raise InvalidIndexTable(line_no)
        if months and month != shift_month(months[-1], 1):
            raise InvalidIndexTable(line_no)
        if kind is IndexKind.NUMBER and number <= 0:
            raise InvalidIndexTable(line_no)
        if kind is IndexKind.MONTHLY_PCT and number <= -HUNDRED:
            raise InvalidIndexTable(line_no)
        months.append(month)
        numbers.append(number)
    if not months:
        raise InvalidIndexTable(0)
    if kind is IndexKind.NUMBER:
        return IndexTable(name, months[0], tuple(numbers))
    chained = [Decimal(1)]
    for variation in numbers:
        chained.append(chained[-1] * (1 + variation / HUNDRED))
    return IndexTable(name, shift_month(months[0], -1), tuple(chained))
