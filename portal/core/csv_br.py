"""CSV files for Brazilian spreadsheets: ``;`` between fields, comma decimals, UTF-8 BOM.

Excel in pt-BR splits on ``;`` and reads ``1234,56`` as a number; the BOM makes it read
accents right. Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, tab, carriage return) are prefixed with ``'`` (CSV injection, OWASP).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cents_br(cents: int) -> str:
    """``123456`` → ``1234,56`` (no currency sign, no thousands separator)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole},{part:02d}"


def decimal_br(value: Decimal | None) -> str:
    """``Decimal("12.50")`` → ``12,50``; None → an empty cell."""
    return "" if value is None else format(value, "f").replace(".", ",")


def text_cell(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str | int]]) -> str:
    """The whole file as text (BOM first); numbers must already be formatted strings or ints."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([text_cell(h) for h in header])
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()
