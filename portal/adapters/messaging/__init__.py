"""SMS and WhatsApp: a :class:`TextMessageSender` protocol, the dev outbox, and a stub.

Twilio when configured (:mod:`.twilio`); otherwise development writes to the outbox and
production refuses with :class:`TextMessagingUnavailable`. ``init_messaging`` keeps the sender
in ``app.extensions["text_sender"]`` and the régua's richer provider interface
(:mod:`.provider`) in ``app.extensions["text_provider"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from portal.adapters.messaging.base import (
    CHANNELS,
    TextDeliveryError,
    TextMessageError,
    TextMessageSender,
    TextMessagingUnavailable,
)
from portal.adapters.messaging.outbox import OutboxTextSender
from portal.adapters.messaging.unavailable import UnavailableTextSender

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "CHANNELS",
    "OutboxTextSender",
    "TextDeliveryError",
    "TextMessageError",
    "TextMessageSender",
    "TextMessagingUnavailable",
    "UnavailableTextSender",
    "build_text_sender",
    "init_messaging",
]

EXTENSION_KEY = "text_sender"


def build_text_sender(config: Mapping[str, Any]) -> TextMessageSender:
    backend = config["TEXT_MESSAGE_BACKEND"]
    if backend == "outbox":
        if config.get("PORTAL_ENV") == "production":
            raise ValueError("the development outbox cannot be used in production")
        return OutboxTextSender(config["DEV_OUTBOX_DIR"])
    if backend == "none":
        return UnavailableTextSender()
    if backend == "twilio":
        from portal.adapters.messaging.twilio import TwilioTextProvider

        return TwilioTextProvider.from_config(config)
    raise ValueError(f"unknown TEXT_MESSAGE_BACKEND {backend!r}")


def init_messaging(app: Flask) -> None:
    from portal.adapters.messaging.provider import build_text_provider

    app.extensions[EXTENSION_KEY] = build_text_sender(app.config)
    # The régua's richer interface (message ids, WhatsApp templates): the same provider.
    sender = app.extensions[EXTENSION_KEY]
    app.extensions["text_provider"] = (
        sender if hasattr(sender, "send_message") else build_text_provider(app.config)
    )
