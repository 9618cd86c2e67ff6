"""The export as a readable PDF: the same data as the JSON, laid out for people.

Unlike agreement documents (rendered once by a task and stored), an export is rendered when
the debtor downloads it and never stored: keeping copies of a person's data would defeat
the point (LGPD art. 6 III). The renderer is the application's (WeasyPrint by default).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _

from portal.core.formatting import date_br
from portal.services.documents import kind_label, state_label


def when(value: str | None) -> str:
    """An ISO date or datetime from the export, as the pages show it."""
    if not value:
        return "—"
    if len(value) == 10:
        return date_br(date.fromisoformat(value))
    return date_br(datetime.fromisoformat(value))


def labels() -> dict[str, dict[str, str]]:
    return {
        "item": {
            "open": _("em aberto"),
            "in_agreement": _("em acordo"),
            "paid": _("paga"),
            "cancelled": _("cancelada pela empresa"),
            "disputed": _("contestada"),
        },
        "channel": {"email": _("E-mail"), "sms": _("SMS"), "whatsapp": _("WhatsApp")},
        "preference": {
            "on": _("recebendo"),
            "off_here": _("desligado para esta empresa"),
            "off_everywhere": _("desligado para todas as empresas"),
        },
        "request": {"open": _("em análise"), "done": _("respondido")},
    }


def render_export_pdf(data: dict[str, Any]) -> bytes:
    """``data`` from :func:`export_data`, as PDF bytes (in the current locale)."""
    html = render_template(
        "pdf/data_export.html",
        data=data,
        when=when,
        labels=labels(),
        kind_label=kind_label,
        state_label=state_label,
    )
    renderer = current_app.extensions["pdf_renderer"]
    return bytes(renderer.render(html))
