"""portal/adapters/messaging: SMS and WhatsApp in the development outbox, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.adapters.email import compose_email
from portal.adapters.email.outbox import OutboxEmailSender, get_outbox_message, list_outbox
from portal.adapters.messaging import (
    OutboxTextSender,
    TextMessageSender,
    TextMessagingUnavailable,
    UnavailableTextSender,
    build_text_sender,
)

PHONE = "+5541999990000"


def test_text_messages_share_the_email_outbox(tmp_path: Path) -> None:
    OutboxEmailSender(tmp_path).send(
        compose_email(
            sender="Portal <nao-responda@portal.example.com>",
            to="a@example.com",
            subject="E-mail",
            text="corpo",
        )
    )
    sender = OutboxTextSender(tmp_path)
    assert isinstance(sender, TextMessageSender)
    sender.send(channel="sms", to_phone=PHONE, text="Seu código chegou.")
    sender.send(channel="whatsapp", to_phone=PHONE, text="Olá! Seu link: https://x.example/e")

    entries = list_outbox(tmp_path)
    assert [entry.channel for entry in entries] == ["whatsapp", "sms", "email"]
    assert entries[0].subject == f"WhatsApp para {PHONE}"
    assert entries[1].subject == f"SMS para {PHONE}"
    assert entries[1].to == PHONE

    message = get_outbox_message(tmp_path, entries[1].key)
    assert message.channel == "sms"
    assert message.to == PHONE
    assert message.text == "Seu código chegou.\n"
    assert message.html is None


@pytest.mark.parametrize(
    ("channel", "phone", "text"),
    [
        ("telegram", PHONE, "oi"),
        ("sms", "41999990000", "oi"),
        ("sms", "+55 41 99999-0000", "oi"),
        ("sms", PHONE + "\nBcc: x", "oi"),
        ("sms", PHONE, "   "),
    ],
)
def test_invalid_text_messages_are_refused(
    tmp_path: Path, channel: str, phone: str, text: str
) -> None:
    with pytest.raises(ValueError):
        OutboxTextSender(tmp_path).send(channel=channel, to_phone=phone, text=text)
    assert list_outbox(tmp_path) == []


def test_without_a_provider_sending_fails_clearly() -> None:
    sender = UnavailableTextSender()
    assert isinstance(sender, TextMessageSender)
    with pytest.raises(TextMessagingUnavailable, match="no sms provider is configured"):
        sender.send(channel="sms", to_phone=PHONE, text="oi")


def test_build_text_sender_follows_the_backend(tmp_path: Path) -> None:
    config = {"TEXT_MESSAGE_BACKEND": "outbox", "DEV_OUTBOX_DIR": str(tmp_path)}
    assert isinstance(build_text_sender(config), OutboxTextSender)
    assert isinstance(build_text_sender({"TEXT_MESSAGE_BACKEND": "none"}), UnavailableTextSender)
    with pytest.raises(ValueError, match="production"):
        build_text_sender({**config, "PORTAL_ENV": "production"})
    with pytest.raises(ValueError, match="TEXT_MESSAGE_BACKEND"):
        build_text_sender({"TEXT_MESSAGE_BACKEND": "pager"})
