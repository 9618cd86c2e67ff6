"""E-mail: a :class:`EmailSender` protocol, SMTP for real and a Maildir outbox for development.

``init_email`` picks the implementation from ``EMAIL_BACKEND`` and keeps it in
``app.extensions["email_sender"]``; code that sends (``portal.services.notify.mail``) looks it up
there, so tests can swap it for the duration of a test.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any

from portal.adapters.email.base import EmailDeliveryError, EmailError, EmailRejected, EmailSender
from portal.adapters.email.outbox import OutboxEmailSender
from portal.adapters.email.smtp import SmtpEmailSender

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "EmailDeliveryError",
    "EmailError",
    "EmailRejected",
    "EmailSender",
    "OutboxEmailSender",
    "SmtpEmailSender",
    "build_email_sender",
    "compose_email",
    "init_email",
]

EXTENSION_KEY = "email_sender"


def build_email_sender(config: Mapping[str, Any]) -> EmailSender:
    """The sender ``EMAIL_BACKEND`` asks for: ``smtp`` or the development ``outbox``."""
    backend = config["EMAIL_BACKEND"]
    if backend == "smtp":
        return SmtpEmailSender(
            config["SMTP_HOST"],
            int(config["SMTP_PORT"]),
            config["SMTP_SECURITY"],
            username=config.get("SMTP_USERNAME"),
            password=config.get("SMTP_PASSWORD"),
            timeout=float(config["SMTP_TIMEOUT"]),
        )
    if backend == "outbox":
        if config.get("PORTAL_ENV") == "production":
            raise ValueError("the development outbox cannot be used in production")
        return OutboxEmailSender(config["DEV_OUTBOX_DIR"])
    raise ValueError(f"unknown EMAIL_BACKEND {backend!r}")


def init_email(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_email_sender(app.config)


def _domain(address: str) -> str:
    _, addr = parseaddr(address)
    return addr.rpartition("@")[2] or "localhost"


def compose_email(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """A ready-to-send message: text, plus an HTML alternative when ``html`` is given.

    The subject is folded to one line (a template's trailing newline must not become a
    header break). Header values holding line breaks are refused by the e-mail policy.
    """
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(datetime.now(UTC))
    # The sender's domain, not the host name: make_msgid() would otherwise look up and
    # disclose the machine's name.
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message
