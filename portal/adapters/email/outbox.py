"""The development outbox: messages are stored in a local Maildir instead of being sent.

E-mails, SMS and WhatsApp messages (see :mod:`portal.adapters.messaging`) share one Maildir,
so ``/dev/outbox`` lists everything the portal "sent". A Maildir is safe with several
writer processes (web server and worker) and any mail client can open it.
"""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Final, cast

CHANNEL_HEADER: Final = "X-Portal-Channel"
EMAIL_CHANNEL: Final = "email"
# Keys written by mailbox.Maildir: "<seconds>.M<micro>P<pid>Q<counter>.<host>".
KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9._,:-]+")
_KEY_TIME = re.compile(r"(\d+)\.M(\d+)P\d+Q(\d+)\.")


def valid_key(key: str) -> bool:
    """A Maildir key we could have written; anything else (``..``, ``/``) is refused."""
    return len(key) <= 255 and KEY_PATTERN.fullmatch(key) is not None and key.strip(".") != ""


def open_outbox(directory: str | Path, *, create: bool = True) -> mailbox.Maildir:
    """The outbox Maildir; raises ``mailbox.NoSuchMailboxError`` when absent and not created.

    With ``create``, missing parents and Maildir subfolders are made too (``mailbox`` only
    creates them when the directory itself is absent).
    """
    path = Path(directory)
    if create:
        for sub in ("tmp", "new", "cur"):
            (path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    return mailbox.Maildir(str(path), factory=None, create=False)


def _existing_outbox(directory: str | Path) -> mailbox.Maildir | None:
    """The outbox for reading, or None when nothing was ever stored there."""
    path = Path(directory)
    if not all((path / sub).is_dir() for sub in ("new", "cur")):
        return None
    return open_outbox(path, create=False)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One line of the outbox list."""

    key: str
    date: datetime | None
    to: str
    subject: str
    channel: str


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One stored message, decoded for display."""

    key: str
    subject: str
    sender: str
    to: str
    date: datetime | None
    channel: str
    text: str | None
    html: str | None
    reply_to: str | None = None
    message_id: str | None = None


class OutboxEmailSender:
    """Stores each message in the outbox Maildir (created on first use)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"OutboxEmailSender({str(self.directory)!r})"

    def send(self, message: EmailMessage) -> None:
        store(self.directory, message)


def store(directory: str | Path, message: EmailMessage) -> str:
    """Add ``message`` to the outbox at ``directory``; return its key."""
    return str(open_outbox(directory).add(message))


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _date(message: EmailMessage) -> datetime | None:
    raw = message.get("Date")
    if raw is None:
        return None
    try:
        value = parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _order(key: str, date: datetime | None) -> tuple[float, int, int]:
    """Newest first: the delivery time encoded in the key, else the Date header."""
    match = _KEY_TIME.match(key)
    if match:
        return float(match.group(1)), int(match.group(2)), int(match.group(3))
    return (date.timestamp() if date else 0.0), 0, 0


def list_outbox(directory: str | Path) -> list[OutboxEntry]:
    """Every message in the outbox, newest first (an absent outbox is empty)."""
    box = _existing_outbox(directory)
    if box is None:
        return []
    parser = BytesHeaderParser(policy=policy.default)
    entries: list[OutboxEntry] = []
    for key in box.iterkeys():
        try:
            headers = parser.parsebytes(box.get_bytes(key))
        except KeyError:  # removed meanwhile
            continue
        entries.append(
            OutboxEntry(
                key=key,
                date=_date(headers),
                to=_header(headers, "To"),
                subject=_header(headers, "Subject"),
                channel=_header(headers, CHANNEL_HEADER).lower() or EMAIL_CHANNEL,
            )
        )
    entries.sort(key=lambda entry: _order(entry.key, entry.date), reverse=True)
    return entries


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content = cast(EmailMessage, part).get_content()
    return content if isinstance(content, str) else None


def get_outbox_message(directory: str | Path, key: str) -> OutboxMessage:
    """The message stored under ``key``; ``KeyError`` when there is none (or the key is bad)."""
    if not valid_key(key):
        raise KeyError(key)
    box = _existing_outbox(directory)
    if box is None:
        raise KeyError(key)
    raw = box.get_bytes(key)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    return OutboxMessage(
        key=key,
        subject=_header(message, "Subject"),
        sender=_header(message, "From"),
        to=_header(message, "To"),
        date=_date(message),
        channel=_header(message, CHANNEL_HEADER).lower() or EMAIL_CHANNEL,
        text=_part(message, "plain"),
        html=_part(message, "html"),
        reply_to=_header(message, "Reply-To") or None,
        message_id=_header(message, "Message-ID") or None,
    )
