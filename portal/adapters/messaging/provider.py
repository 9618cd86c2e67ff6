"""Reminder messages over SMS and WhatsApp: a provider protocol, a receipt, the dev fake.

The one-way :class:`~portal.adapters.messaging.base.TextMessageSender` returns nothing; the
régua needs more: the provider's message id (to match delivery callbacks), WhatsApp's
approved templates with their parameters, and a clear line between a refusal (permanent:
:class:`TextRejected`) and a hiccup (transient: ``TextDeliveryError``).

* :class:`~portal.adapters.messaging.twilio.TwilioTextProvider` — the real one;
* :class:`OutboxTextProvider` — the embedded default: writes to the dev outbox and reports
  the message delivered at once, so the funnel can be seen working without a provider.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from portal.adapters.messaging.base import (
    TextMessagingUnavailable,
    TextReceipt,
    check_text_message,
)
from portal.adapters.messaging.outbox import OutboxTextSender


@runtime_checkable
class TextProvider(Protocol):
    name: str

    def channels(self) -> frozenset[str]:
        """The channels this provider is configured for ("sms", "whatsapp")."""
        ...

    def send_message(
        self,
        *,
        channel: str,
        to_phone: str,
        text: str,
        template: str | None = None,
        parameters: Sequence[str] = (),
    ) -> TextReceipt:
        """Send ``text`` (SMS), or the approved ``template`` with ``parameters`` (WhatsApp;
        ``text`` is what the template reads as, for the records)."""
        ...


class OutboxTextProvider:
    """Development: the message goes to the outbox, as the debtor would read it."""

    name = "outbox"

    def __init__(self, directory: str) -> None:
        self._sender = OutboxTextSender(directory)

    def __repr__(self) -> str:
        return f"OutboxTextProvider({str(self._sender.directory)!r})"

    def channels(self) -> frozenset[str]:
        return frozenset({"sms", "whatsapp"})

    def send_message(
        self,
        *,
        channel: str,
        to_phone: str,
        text: str,
        template: str | None = None,
        parameters: Sequence[str] = (),
    ) -> TextReceipt:
        check_text_message(channel, to_phone, text)
        self._sender.send(channel=channel, to_phone=to_phone, text=text)
        return TextReceipt(self.name, f"OB{secrets.token_hex(16)}", "delivered")


class NoTextProvider:
    """Production without a provider: no channel; a régua with SMS or WhatsApp won't start."""

    name = "none"

    def __repr__(self) -> str:
        return "NoTextProvider()"

    def channels(self) -> frozenset[str]:
        return frozenset()

    def send_message(
        self,
        *,
        channel: str,
        to_phone: str,
        text: str,
        template: str | None = None,
        parameters: Sequence[str] = (),
    ) -> TextReceipt:
        raise TextMessagingUnavailable(f"no {channel} provider is configured")


def build_text_provider(config: Mapping[str, Any]) -> TextProvider:
    backend = config["TEXT_MESSAGE_BACKEND"]
    if backend == "twilio":
        from portal.adapters.messaging.twilio import TwilioTextProvider

        return TwilioTextProvider.from_config(config)
    if backend == "outbox":
        if config.get("PORTAL_ENV") == "production":
            raise ValueError("the development outbox cannot be used in production")
        return OutboxTextProvider(config["DEV_OUTBOX_DIR"])
    return NoTextProvider()
