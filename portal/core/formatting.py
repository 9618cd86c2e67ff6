"""Locale-aware formatting shared by pages, e-mails, CSV and PDF: money, dates, percentages,
masked documents and translated domain messages (Babel, in the reader's language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import has_app_context
from flask_babel import get_locale, gettext

from portal.domain.documents import mask_document

DISPLAY_TZ = ZoneInfo("America/Sao_Paulo")
DEFAULT_LOCALE = "pt_BR"


def current_locale() -> str:
    if has_app_context():  # a request, or a task inside force_locale()
        locale = get_locale()
        if locale is not None:
            return _locale_name(locale)
    return DEFAULT_LOCALE


@cache
def _locale_name(locale: Any) -> str:
    """``str(locale)`` (Babel builds the identifier anew each time; every amount asks)."""
    return str(locale)


def brl(cents: int | None) -> str:
    """Integer centavos → ``R$ 1.234,56`` (Babel's format for the locale, with its NBSP).

    Floats are refused: money is never a float. See :func:`_number_shape` for how Babel's
    format is applied without calling it on every amount.
    """
    if cents is None:
        return "—"
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"brl() takes integer centavos, not {type(cents).__name__}")
    shape = _number_shape(current_locale())
    sign, reais_cents = ("-", -cents) if cents < 0 else ("", cents)
    reais, centavos = divmod(reais_cents, 100)
    grouped = f"{reais:,}".replace(",", shape.group)
    return f"{sign}{shape.prefix}{grouped}{shape.decimal}{centavos:02d}{shape.suffix}"


@dataclass(frozen=True, slots=True)
class NumberShape:
    """How a locale writes BRL amounts and plain numbers, as Babel says."""

    prefix: str  # before the digits of a currency amount ("R$\xa0" in pt-BR, "R$" in English)
    suffix: str
    group: str
    decimal: str


@cache
def _number_shape(locale: str) -> NumberShape:
    """Read the locale's currency format once, from Babel itself, by formatting a probe.

    Babel's ``format_currency`` parses the locale and the pattern on every call (about a
    tenth of a millisecond each, 20 or more per page); amounts in centavos only ever need
    the same four pieces. ``tests/test_templating.py`` checks the result against Babel for
    any amount, in every supported locale.
    """
    probe = format_currency(Decimal("1234567.89"), "BRL", locale=locale)
    start, end = probe.index("1"), probe.rindex("9") + 1
    digits = probe[start:end]  # "1.234.567,89" or "1,234,567.89"
    shape = NumberShape(probe[:start], probe[end:], digits[1], digits[-3])
    if digits != f"1{shape.group}234{shape.group}567{shape.decimal}89":
        raise ValueError(f"unexpected currency format for {locale}: {probe!r}")
    return shape


def date_br(value: date | datetime | None, style: str = "short") -> str:
    """A date (or a UTC datetime, shown in Brasília time) in the reader's language.

    pt-BR: ``05/03/2026`` (short) or ``5 de março de 2026`` (long); datetimes add ``às 14:30``.
    English: ``5 Mar 2026`` / ``5 March 2026``, unambiguous for readers outside Brazil.
    """
    if value is None:
        return "—"
    locale = current_locale()
    pt = locale.startswith("pt")
    pattern = {
        ("short", True): "dd/MM/yyyy",
        ("long", True): "d 'de' MMMM 'de' yyyy",
        ("short", False): "d MMM yyyy",
        ("long", False): "d MMMM yyyy",
    }[(style, pt)]
    if isinstance(value, datetime):
        local = value.astimezone(DISPLAY_TZ)
        time_pattern = " 'às' HH:mm" if pt else ", HH:mm"
        return format_datetime(local, pattern + time_pattern, locale=locale)
    return format_date(value, pattern, locale=locale)


def date_from_iso(value: str) -> str:
    """An ISO date carried in a task's JSON context, shown like ``date_br``."""
    return date_br(date.fromisoformat(value))


def cpf_mask(document: str | None) -> str:
    """``12345678909`` → ``***.456.789-**``; never shows the whole document."""
    if not document:
        return "—"
    return mask_document(document)


def percent(value: Decimal | str, places: int | None = None) -> str:
    """``Decimal("2.49")`` → ``2,49%``, ``Decimal("2")`` → ``2%`` (pt-BR; English ``2.49%``).

    Rounded half-up to ``places`` decimals; by default up to two, without trailing zeros.
    Written with the locale's separators (:func:`_number_shape`), as Babel's ``#,##0.##``
    (or ``#,##0.00``) would: checked against Babel in ``tests/test_templating.py``.
    """

    digits = 2 if places is None else places
    number = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    shape = _number_shape(current_locale())
    sign = "-" if number.is_signed() else ""  # as Babel: -0.001 rounds to "-0"
    whole, _, fraction = format(abs(number), "f").partition(".")
    if places is None:
        fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", shape.group)
    text = f"{grouped}{shape.decimal}{fraction}" if fraction else grouped
    return f"{sign}{text}%"


def domain_message(message: Any) -> str:
    """Translate a domain ``Message``: the pt-BR msgid through gettext, parameters formatted.

    Parameter names follow the domain's rule (``portal.domain.errors``): ``*_cents`` are
    money, ``*_date`` ISO dates, ``*_pct`` percentages; the suffix is dropped in the text.
    """
    values: dict[str, Any] = {}
    for name, value in message.params:
        if name.endswith("_cents"):
            values[name.removesuffix("_cents")] = brl(int(value))
        elif name.endswith("_date"):
            values[name.removesuffix("_date")] = date_br(date.fromisoformat(str(value)))
        elif name.endswith("_pct"):
            values[name.removesuffix("_pct")] = format_decimal(
                Decimal(str(value)), locale=current_locale()
            )
        else:
            values[name] = value
    return str(gettext(message.key, **values))


@dataclass(frozen=True, slots=True)
class FooterIdentity:
    """Who is collecting, shown on every page (CDC art. 42-A)."""

    legal_name: str
    cnpj: str
    address: str
    is_creditor: bool = False
