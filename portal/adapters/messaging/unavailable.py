"""Production placeholder until an SMS / WhatsApp provider is chosen."""

from __future__ import annotations

from portal.adapters.messaging.base import TextMessagingUnavailable, check_text_message


class UnavailableTextSender:
    """Refuses every message with a clear error (TEXT_MESSAGE_BACKEND=none)."""

    def __repr__(self) -> str:
        return "UnavailableTextSender()"

    def send(self, *, channel: str, to_phone: str, text: str) -> None:
        check_text_message(channel, to_phone, text)
        raise TextMessagingUnavailable(
            f"no {channel} provider is configured (TEXT_MESSAGE_BACKEND=none): "
            "send this notice by e-mail instead"
        )
