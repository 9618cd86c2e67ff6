"""Celery tasks of the notify context: send one e-mail or text message (queued by
:mod:`portal.services.notify.mail` after the commit)."""

from __future__ import annotations

from typing import Any

from portal.adapters.email.base import EmailDeliveryError
from portal.adapters.messaging.base import TextDeliveryError
from portal.extensions import celery
from portal.services.notify.mail import (
    SEND_EMAIL_TASK,
    SEND_TEXT_TASK,
    deliver_email,
    deliver_text_message,
)


@celery.task(
    name=SEND_EMAIL_TASK,
    autoretry_for=(EmailDeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def send_email(to: str, template: str, context: dict[str, Any], locale: str = "pt_BR") -> None:
    """Render and send one e-mail; transient failures retry, rejections are logged."""
    deliver_email(to, template, context, locale)


@celery.task(
    name=SEND_TEXT_TASK,
    autoretry_for=(TextDeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def send_text_message(channel: str, to_phone: str, text: str) -> None:
    """Send one SMS / WhatsApp message; transient failures retry."""
    deliver_text_message(channel, to_phone, text)
