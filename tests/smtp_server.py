"""Pytest plugin: a real SMTP server (aiosmtpd) on 127.0.0.1, and an app that sends to it.

Fixtures:

* ``smtp_server``: a running server; ``.host``, ``.port``, ``.messages`` (parsed
  ``EmailMessage`` objects), ``.received`` (message + envelope sender and recipients) and
  ``.wait_for(n, timeout=5)``. Recipients whose local part is ``rejected`` get a 550 reply,
  ``busy`` a 450, so tests can exercise permanent and transient refusals.
* ``smtp_app``: the session ``app`` whose ``email_sender`` points at that server (plain
  SMTP, no TLS) for the duration of the test, with Celery tasks bound to it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from portal.adapters.email.smtp import SmtpEmailSender
from portal.extensions import AppContextTask

REJECTED_LOCAL_PART = "rejected"
BUSY_LOCAL_PART = "busy"


@dataclass(frozen=True)
class Received:
    message: EmailMessage
    mail_from: str
    rcpt_tos: list[str]


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    _condition: threading.Condition = field(default_factory=threading.Condition)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._condition:
            return [item.message for item in self.received]

    def record(self, item: Received) -> None:
        with self._condition:
            self.received.append(item)
            self._condition.notify_all()

    def wait_for(self, n: int, timeout: float = 5) -> list[EmailMessage]:
        """Wait until at least ``n`` messages arrived; fail the test after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while len(self.received) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {n} message(s) within {timeout}s, got {len(self.received)}"
                    )
                self._condition.wait(remaining)
            return [item.message for item in self.received]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # aiosmtpd hook names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        local_part = address.partition("@")[0].lower()
        if local_part == REJECTED_LOCAL_PART:
            return "550 5.1.1 Mailbox unavailable"
        if local_part == BUSY_LOCAL_PART:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Back from wire format (CRLF) to the line endings Python's e-mail package writes.
        raw = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")
        message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
        self.server.record(Received(message, envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    host = "127.0.0.1"
    server = SmtpServer(host=host, port=free_port(host))
    controller = Controller(
        _Handler(server), hostname=host, port=server.port, server_hostname="smtp.test"
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_app(app: Flask, smtp_server: SmtpServer) -> Iterator[Flask]:
    """The session app sending through ``smtp_server``; everything restored afterwards."""
    previous_sender = app.extensions["email_sender"]
    previous_task_app = AppContextTask.flask_app
    app.extensions["email_sender"] = SmtpEmailSender(
        smtp_server.host, smtp_server.port, "none", timeout=5, local_hostname="client.test"
    )
    # Another test may have built an app since (init_celery rebinds the tasks to it).
    AppContextTask.flask_app = app
    try:
        yield app
    finally:
        app.extensions["email_sender"] = previous_sender
        AppContextTask.flask_app = previous_task_app
