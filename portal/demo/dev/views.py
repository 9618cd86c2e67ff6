"""``/dev/outbox``: what the portal would have sent, read from the development Maildir."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _

from portal.adapters.email.outbox import (
    OutboxMessage,
    get_outbox_message,
    list_outbox,
    valid_key,
)
from portal.demo.dev.blueprint import bp

# The HTML part of an e-mail is untrusted markup: shown alone, in a sandbox (unique origin,
# no scripts, no forms), with only inline styles and data: images allowed.
HTML_PART_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _channel_names() -> dict[str, str]:
    return {"email": _("E-mail"), "sms": _("SMS"), "whatsapp": _("WhatsApp")}


def _outbox_dir() -> str:
    return str(current_app.config["DEV_OUTBOX_DIR"])


def _load(key: str) -> OutboxMessage:
    if not valid_key(key):
        abort(404)
    try:
        return get_outbox_message(_outbox_dir(), key)
    except KeyError:
        abort(404)


@bp.get("/outbox")
def outbox_index() -> str:
    return render_template(
        "dev/outbox/index.html",
        entries=list_outbox(_outbox_dir()),
        channel_names=_channel_names(),
    )


@bp.get("/outbox/<key>")
def outbox_message(key: str) -> str:
    return render_template(
        "dev/outbox/message.html", message=_load(key), channel_names=_channel_names()
    )


@bp.get("/outbox/<key>/html")
def outbox_message_html(key: str) -> Response:
    message = _load(key)
    if message.html is None:
        abort(404)
    response = Response(message.html, mimetype="text/html")
    # Set here, before the app's after_request, which only fills in a missing CSP.
    response.headers["Content-Security-Policy"] = HTML_PART_CSP
    return response
