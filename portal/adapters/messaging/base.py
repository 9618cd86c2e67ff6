"""The SMS / WhatsApp sending interface and its errors.

``TextDeliveryError`` is transient (retry); ``TextMessagingUnavailable`` means no provider
is configured, so retrying is pointless. Both derive from ``TextMessageError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

CHANNELS: Final = ("sms", "whatsapp")
_E164 = re.compile(r"\+[1-9]\d{7,14}")


class TextMessageError(Exception):
    """A text message could not be sent."""


class TextDeliveryError(TextMessageError):
    """A transient failure: sending again later may work."""


class TextMessagingUnavailable(TextMessageError):
    """No SMS / WhatsApp provider is configured in this environment."""


def check_text_message(channel: str, to_phone: str, text: str) -> None:
    """Refuse what no provider would accept: unknown channel, non-E.164 phone, empty text."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    if not _E164.fullmatch(to_phone):
        raise ValueError("to_phone must be an E.164 number such as +5511987654321")
    if not text.strip():
        raise ValueError("a text message cannot be empty")


@runtime_checkable
class TextMessageSender(Protocol):
    def send(self, *, channel: str, to_phone: str, text: str) -> None:
        """Send ``text`` to ``to_phone`` over ``channel`` ("sms" or "whatsapp")."""
        ...


class TextRejected(TextMessageError):
    """The provider refused this message for good (bad number, unapproved template…)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class TextReceipt:
    provider: str
    message_id: str
    status: str  # "queued"/"sent" (callbacks follow) or "delivered" (the fake)
