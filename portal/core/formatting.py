"""Locale-aware formatting shared by pages, e-mails, CSV and PDF: money, dates, percentages,
masked documents and translated domain messages (Babel, in the reader's language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
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
            return str(locale)
    return DEFAULT_LOCALE


def brl(cents: int | None) -> str:
    """Integer centavos → ``R$ 1.234,56`` (Babel, with its non-breaking space).

    The value is turned into an exact Decimal with two places, so Babel's default
    half-even rounding never comes into play. Floats are refused: money is never a float.
    """
    if cents is None:
        return "—"
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"brl() takes integer centavos, not {type(cents).__name__}")
    return format_currency(Decimal(cents).scaleb(-2), "BRL", locale=current_locale())


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
    """
    number = Decimal(value).quantize(Decimal(1).scaleb(-(places or 2)), rounding=ROUND_HALF_UP)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    if places is None:
        pattern = "#,##0.##"
    return format_decimal(number, format=pattern, locale=current_locale()) + "%"


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
