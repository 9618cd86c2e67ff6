"""Notify context: e-mails and text messages, queued in the unit of work, sent after commit."""

from portal.services.notify.mail import (
    deliver_email,
    deliver_text_message,
    queue_email,
    queue_notice,
    queue_text_message,
    render_email,
)

__all__ = [
    "deliver_email",
    "deliver_text_message",
    "queue_email",
    "queue_notice",
    "queue_text_message",
    "render_email",
]
