"""portal/adapters/email/outbox.py: the development outbox is a Maildir."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from portal.adapters.email import compose_email
from portal.adapters.email.base import EmailSender
from portal.adapters.email.outbox import (
    OutboxEmailSender,
    get_outbox_message,
    list_outbox,
    valid_key,
)

SENDER = "Portal de Acordos <nao-responda@portal.example.com>"


def _send(
    directory: Path, subject: str, *, html: str | None = None, to: str = "a@example.com"
) -> None:
    OutboxEmailSender(directory).send(
        compose_email(
            sender=SENDER,
            to=to,
            subject=subject,
            text=f"Texto de {subject}: ação, acentuação.\n",
            html=html,
            reply_to="atendimento@portal.example.com",
        )
    )


def test_the_outbox_is_created_on_first_use(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "outbox"
    sender = OutboxEmailSender(directory)
    assert isinstance(sender, EmailSender)
    _send(directory, "Primeira")
    box = mailbox.Maildir(str(directory), create=False)
    assert len(box) == 1
    assert {"cur", "new", "tmp"} <= {p.name for p in directory.iterdir()}


def test_list_is_newest_first_with_the_headers(tmp_path: Path) -> None:
    for subject in ("Um", "Dois", "Três"):
        _send(tmp_path, subject, to=f"{subject.lower()}@example.com")
    entries = list_outbox(tmp_path)
    assert [entry.subject for entry in entries] == ["Três", "Dois", "Um"]
    assert entries[0].to == "três@example.com"
    assert all(entry.channel == "email" for entry in entries)
    assert all(entry.date is not None and entry.date.tzinfo is not None for entry in entries)
    assert all(valid_key(entry.key) for entry in entries)


def test_an_absent_outbox_is_empty(tmp_path: Path) -> None:
    assert list_outbox(tmp_path / "nothing-here") == []
    assert not (tmp_path / "nothing-here").exists()


def test_a_message_is_decoded_with_both_parts(tmp_path: Path) -> None:
    _send(tmp_path, "Com HTML", html="<p>Olá, <em>mundo</em> ação</p>")
    [entry] = list_outbox(tmp_path)
    message = get_outbox_message(tmp_path, entry.key)
    assert message.subject == "Com HTML"
    assert message.sender == SENDER
    assert message.to == "a@example.com"
    assert message.reply_to == "atendimento@portal.example.com"
    assert message.channel == "email"
    assert message.date == entry.date
    assert message.text == "Texto de Com HTML: ação, acentuação.\n"
    assert message.html is not None and "<em>mundo</em> ação" in message.html
    assert message.message_id is not None


def test_a_text_only_message_has_no_html(tmp_path: Path) -> None:
    _send(tmp_path, "Só texto")
    [entry] = list_outbox(tmp_path)
    message = get_outbox_message(tmp_path, entry.key)
    assert message.html is None
    assert message.text is not None and message.text.startswith("Texto de Só texto")


@pytest.mark.parametrize(
    "key",
    ["", ".", "..", "../etc/passwd", "a/b", "new/x", "a\\b", "%2e%2e", "x" * 300, "chave inválida"],
)
def test_bad_keys_are_not_found(tmp_path: Path, key: str) -> None:
    _send(tmp_path, "Qualquer")
    assert not valid_key(key)
    with pytest.raises(KeyError):
        get_outbox_message(tmp_path, key)


def test_unknown_key_and_absent_outbox_are_not_found(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        get_outbox_message(tmp_path / "absent", "1700000000.M1P1Q1.host")
    _send(tmp_path, "Existe")
    with pytest.raises(KeyError):
        get_outbox_message(tmp_path, "1700000000.M1P1Q1.host")
