"""SMS and WhatsApp into the development outbox (the same Maildir as the e-mails)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Final

from portal.adapters.email.outbox import CHANNEL_HEADER, store
from portal.adapters.messaging.base import check_text_message

CHANNEL_NAMES: Final = {"sms": "SMS", "whatsapp": "WhatsApp"}


class OutboxTextSender:
    """Stores each text message as a ``text/plain`` message tagged ``X-Portal-Channel``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"OutboxTextSender({str(self.directory)!r})"

    def send(self, *, channel: str, to_phone: str, text: str) -> None:
        check_text_message(channel, to_phone, text)
        message = EmailMessage()
        message[CHANNEL_HEADER] = channel
        message["To"] = to_phone
        # Stored data shown on the development outbox only; never reaches a debtor.
        message["Subject"] = f"{CHANNEL_NAMES[channel]} para {to_phone}"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain="outbox.invalid")
        message.set_content(text)
        store(self.directory, message)
