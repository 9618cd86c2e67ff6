"""Ready-to-send pt-BR texts carrying an access link, for the company's SMS or WhatsApp.

Humane wording, the creditor's name, the link and its validity; never an amount, an item or
a document number, because whoever picks up the phone may read it.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import force_locale

from portal.core.formatting import date_br
from portal.models import Creditor


def link_message(
    channel: str, *, first_name: str, creditor: Creditor, url: str, expires_at: datetime
) -> str:
    """``first_name`` as ``creditor`` knows the person (its relationship), never another's."""
    template = "whatsapp" if channel == "whatsapp" else "sms"
    with force_locale("pt_BR"):
        return render_template(
            f"messages/access_link/{template}.txt",
            first_name=first_name,
            creditor=creditor.display_name,
            url=url,
            until=date_br(expires_at.date()),
        ).strip()
