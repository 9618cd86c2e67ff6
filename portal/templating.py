"""Jinja filters and globals: money, dates, masked documents, CSP nonce, footer identity."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from flask import Flask, current_app, g, has_app_context, has_request_context, url_for
from flask_babel import get_locale

from portal.domain.documents import format_cnpj, mask_document
from portal.http import csp_nonce
from portal.i18n import html_lang

DISPLAY_TZ = ZoneInfo("America/Sao_Paulo")
DEFAULT_LOCALE = "pt_BR"


def _locale() -> str:
    if has_app_context():  # a request, or a task inside force_locale()
        locale = get_locale()
        if locale is not None:
            return str(locale)
    return DEFAULT_LOCALE


def brl(cents: int | None) -> str:
    """Integer centavos → ``R$ 1.234,56`` (Babel's format for the locale, with its NBSP).

    Floats are refused: money is never a float. See :func:`_number_shape` for how Babel's
    format is applied without calling it on every amount.
    """
    if cents is None:
        return "—"
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"brl() takes integer centavos, not {type(cents).__name__}")
    shape = _number_shape(_locale())
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
    locale = _locale()
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
    from decimal import ROUND_HALF_UP

    digits = 2 if places is None else places
    number = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    shape = _number_shape(_locale())
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
    from flask_babel import gettext

    values: dict[str, Any] = {}
    for name, value in message.params:
        if name.endswith("_cents"):
            values[name.removesuffix("_cents")] = brl(int(value))
        elif name.endswith("_date"):
            values[name.removesuffix("_date")] = date_br(date.fromisoformat(str(value)))
        elif name.endswith("_pct"):
            from babel.numbers import format_decimal

            values[name.removesuffix("_pct")] = format_decimal(
                Decimal(str(value)), locale=_locale()
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


@dataclass(frozen=True, slots=True)
class Brand:
    """Colours for the page header: the creditor's, or the portal's own."""

    color: str
    on_color: str


DEFAULT_BRAND_COLOR = "#1b5e7a"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g_, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g_) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio between two #RRGGBB colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(background: str) -> str:
    """White or black, whichever reads better; one of them always reaches 4.5:1 (WCAG AA)."""
    light, dark = "#ffffff", "#000000"
    if contrast_ratio(background, light) >= contrast_ratio(background, dark):
        return light
    return dark


def current_brand() -> Brand:
    creditor = g.get("creditor") if has_request_context() else None
    color = creditor.brand_color if creditor is not None else DEFAULT_BRAND_COLOR
    return Brand(color, text_colour_on(color))


def footer_identity() -> FooterIdentity:
    creditor = g.get("creditor") if has_request_context() else None
    if creditor is not None:
        return FooterIdentity(
            creditor.legal_name,
            creditor.cnpj_formatted,
            creditor.address_formatted,
            is_creditor=True,
        )
    config = current_app.config
    return FooterIdentity(
        config["OPERATOR_LEGAL_NAME"],
        format_cnpj(config["OPERATOR_CNPJ"]),
        config["OPERATOR_ADDRESS"],
    )


@cache
def _file_version(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """A static URL carrying a content hash, so assets can be cached for a year."""
    static_folder = current_app.static_folder or ""
    version = _file_version(str(Path(static_folder) / filename))
    return url_for("static", filename=filename, v=version)


def init_templating(app: Flask) -> None:
    app.add_template_filter(brl, "brl")
    app.add_template_filter(date_br, "date_br")
    app.add_template_filter(cpf_mask, "cpf_mask")
    app.add_template_filter(date_from_iso, "date_from_iso")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(domain_message, "domain_message")
    app.add_template_global(csp_nonce, "csp_nonce")
    app.add_template_global(asset_url, "asset_url")
    app.add_template_global(lambda endpoint: endpoint in app.view_functions, "has_endpoint")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        locale = _locale()
        return {
            "identity": footer_identity(),
            "brand": current_brand(),
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "supported_locales": app.config["SUPPORTED_LOCALES"],
        }
