"""Jinja filters and globals: money, dates, masked documents, CSP nonce, footer identity."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for

from portal.core.dispute_labels import (
    delay_reason_label,
    dispute_outcome_label,
    dispute_reason_label,
    dispute_status_label,
)
from portal.core.formatting import (
    FooterIdentity,
    brl,
    cpf_mask,
    current_locale,
    date_br,
    date_from_iso,
    domain_message,
    percent,
)
from portal.domain.cet import Cet
from portal.domain.cet import cet_note as note_of
from portal.domain.contact import format_phone, tel_uri, whatsapp_uri
from portal.domain.documents import format_cnpj
from portal.http import csp_nonce
from portal.i18n import html_lang, install_template_gettext


@dataclass(frozen=True, slots=True)
class Brand:
    """Colours for the page header: the creditor's, or the portal's own."""

    color: str
    on_color: str


DEFAULT_BRAND_COLOR = "#1b5e7a"


def cet_note(option: Any) -> str:
    """Why an option's monthly CET differs from its plan rate, in one translated line ("" when
    they are the same at the precision shown): ``portal.domain.cet.cet_note``."""
    note = note_of(
        option.nominal_monthly_rate_pct, Cet(option.cet_monthly_pct, option.cet_annual_pct)
    )
    return "" if note is None else domain_message(note)


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
    """A static URL carrying a content hash, so assets can be cached for a year.

    In a request the URL is built once per application root and file (a page asks for the
    same few assets on every view; files do not change while the process runs)."""
    if not has_request_context():
        return _built_asset_url(filename)
    key = (request.script_root, filename)
    urls: dict[tuple[str, str], str] = current_app.extensions.setdefault("portal_asset_urls", {})
    url = urls.get(key)
    if url is None:
        url = urls[key] = _built_asset_url(filename)
    return url


def _built_asset_url(filename: str) -> str:
    static_folder = current_app.static_folder or ""
    version = _file_version(str(Path(static_folder) / filename))
    return url_for("static", filename=filename, v=version)


def note_contact_shown(creditor_id: int) -> str:
    """Called by the company-contact component: the footer then does not repeat it."""
    shown: set[int] = g.setdefault("contact_shown", set())
    shown.add(creditor_id)
    return ""


def footer_contact() -> Any:
    """The company whose support channels the footer shows: the page's company (``g.creditor``)
    unless the page already showed them."""
    creditor = g.get("creditor") if has_request_context() else None
    if creditor is None or creditor.id in g.get("contact_shown", set()):
        return None
    return creditor


def init_templating(app: Flask) -> None:
    install_template_gettext(app)
    app.add_template_filter(brl, "brl")
    app.add_template_filter(date_br, "date_br")
    app.add_template_filter(cpf_mask, "cpf_mask")
    app.add_template_filter(date_from_iso, "date_from_iso")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(domain_message, "domain_message")
    app.add_template_filter(cet_note, "cet_note")
    app.add_template_filter(dispute_reason_label, "dispute_reason")
    app.add_template_filter(dispute_status_label, "dispute_status")
    app.add_template_filter(dispute_outcome_label, "dispute_outcome")
    app.add_template_filter(delay_reason_label, "delay_reason")
    app.add_template_filter(format_phone, "support_phone")
    app.add_template_filter(tel_uri, "tel_uri")
    app.add_template_filter(whatsapp_uri, "whatsapp_uri")
    app.add_template_global(csp_nonce, "csp_nonce")
    app.add_template_global(note_contact_shown, "note_contact_shown")
    app.add_template_global(footer_contact, "footer_contact")
    app.add_template_global(asset_url, "asset_url")
    app.add_template_global(lambda endpoint: endpoint in app.view_functions, "has_endpoint")
    # The API Pix takes Pix only: no card button then (docs/payments.md).
    app.add_template_global(lambda: app.config["PAYMENT_PROVIDER"] != "pix_api", "cards_accepted")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        locale = current_locale()
        return {
            "identity": footer_identity(),
            "brand": current_brand(),
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "supported_locales": app.config["SUPPORTED_LOCALES"],
        }
