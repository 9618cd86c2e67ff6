"""The e-mail sending interface and its errors.

Error hierarchy (callers and the Celery task rely on it)::

    EmailError                      anything that stopped a message
    ├── EmailDeliveryError          transient: try again later (connection refused, timeout,
    │                               TLS/STARTTLS or login problems, 4xx SMTP replies)
    └── EmailRejected               permanent: the server refused this message or recipient
                                    with a 5xx reply; retrying will not help

``EmailRejected`` deliberately does not derive from ``EmailDeliveryError``, so a task with
``autoretry_for=(EmailDeliveryError,)`` never retries a rejected message. Catch
``EmailError`` to handle both.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol, runtime_checkable


class EmailError(Exception):
    """A message could not be sent."""


class EmailDeliveryError(EmailError):
    """A transient failure: the same message may go through if sent again later."""


class EmailRejected(EmailError):
    """A permanent failure: the server refused the message or its recipient (5xx)."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@runtime_checkable
class EmailSender(Protocol):
    """Delivers one fully composed message (see :func:`portal.adapters.email.compose_email`)."""

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` or raise :class:`EmailDeliveryError` / :class:`EmailRejected`."""
        ...
