"""E-mail and text messages: queued in the unit of work, sent only after it commits.

``queue_email`` / ``queue_text_message`` register a Celery task with
:func:`portal.core.after_commit.enqueue_after_commit`; a rollback drops it. The task
(``portal.send_email`` / ``portal.send_text_message`` in
:mod:`portal.services.notify.tasks`) calls
:func:`deliver_email` / :func:`deliver_text_message` in its own application context.

E-mail templates live in ``templates/emails/<name>/{subject.txt,body.txt,body.html}``; the
HTML body is autoescaped, the text ones are not. The layout adds the operator's identity;
what else a message says is the caller's business: never a full CPF, and an amount only where
the person must know it (what a step-up code confirms, what a payment paid). The context
travels through Redis in production, so it must be plain JSON.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from portal.adapters.email import compose_email
from portal.adapters.email.base import EmailRejected
from portal.adapters.messaging.base import TextMessagingUnavailable, check_text_message
from portal.core import DbSession
from portal.core.after_commit import enqueue_after_commit
from portal.core.formatting import FooterIdentity
from portal.domain.documents import format_cnpj
from portal.i18n import HTML_LANG, html_lang

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "pt_BR"
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
# Names the layout provides; a caller's context cannot override them.
RESERVED_KEYS = frozenset({"operator", "email_lang"})
SEND_EMAIL_TASK = "portal.send_email"
SEND_TEXT_TASK = "portal.send_text_message"


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


def _check_template(template: str) -> None:
    if not _TEMPLATE_NAME.fullmatch(template):
        raise ValueError(f"invalid e-mail template name {template!r}")


def _check_locale(locale: str) -> None:
    if locale not in HTML_LANG:
        raise ValueError(f"unsupported locale {locale!r}")


def _plain_json(context: dict[str, Any]) -> dict[str, Any]:
    """The context as it will arrive at the worker (a JSON round trip), or a clear error."""
    if not all(isinstance(key, str) for key in context):
        raise TypeError("e-mail context keys must be strings")
    clash = RESERVED_KEYS.intersection(context)
    if clash:
        raise ValueError(f"e-mail context must not set {', '.join(sorted(clash))}")
    try:
        encoded = json.dumps(context, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"e-mail context must be JSON-serialisable: {exc}") from None
    decoded: dict[str, Any] = json.loads(encoded)
    return decoded


def queue_email(
    session: DbSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str = DEFAULT_LOCALE,
) -> None:
    """Send ``emails/<template>`` to ``to`` once ``session`` commits (dropped on rollback)."""
    _check_template(template)
    _check_locale(locale)
    if not to or "\n" in to or "\r" in to:
        raise ValueError("invalid recipient")
    payload = _plain_json(context)
    enqueue_after_commit(
        session, SEND_EMAIL_TASK, to=to, template=template, context=payload, locale=locale
    )


def queue_notice(
    session: DbSession,
    *,
    to: str,
    subject: str,
    paragraphs: Sequence[str],
    title: str | None = None,
    action_url: str | None = None,
    action_label: str | None = None,
    locale: str = DEFAULT_LOCALE,
) -> None:
    """The generic ``notice`` e-mail: a title, paragraphs and an optional button link."""
    if isinstance(paragraphs, str) or not all(isinstance(p, str) for p in paragraphs):
        raise TypeError("paragraphs must be a list of strings")
    if action_url is not None and urlsplit(action_url).scheme not in {"https", "http"}:
        raise ValueError("action_url must be an http(s) URL")
    context: dict[str, Any] = {"subject": subject, "paragraphs": list(paragraphs)}
    if title:
        context["title"] = title
    if action_url:
        context["action_url"] = action_url
        if action_label:
            context["action_label"] = action_label
    queue_email(session, to=to, template="notice", context=context, locale=locale)


def text_messaging_available() -> bool:
    """Whether SMS / WhatsApp can be sent here (there is no production provider yet)."""
    return bool(current_app.config["TEXT_MESSAGE_BACKEND"] != "none")


def queue_text_message(session: DbSession, *, channel: str, to_phone: str, text: str) -> None:
    """Send an SMS or WhatsApp message once ``session`` commits (dropped on rollback)."""
    check_text_message(channel, to_phone, text)
    enqueue_after_commit(session, SEND_TEXT_TASK, channel=channel, to_phone=to_phone, text=text)


def operator_identity() -> FooterIdentity:
    """The portal operator (config), shown in every e-mail footer."""
    config = current_app.config
    return FooterIdentity(
        config["OPERATOR_LEGAL_NAME"],
        format_cnpj(config["OPERATOR_CNPJ"]),
        config["OPERATOR_ADDRESS"],
    )


def render_email(
    template: str, context: dict[str, Any], locale: str = DEFAULT_LOCALE
) -> RenderedEmail:
    """Render subject, text and (if the template has one) HTML body in ``locale``."""
    _check_template(template)
    _check_locale(locale)
    values = {**context, "operator": operator_identity(), "email_lang": html_lang(locale)}
    base = f"emails/{template}"
    with force_locale(locale):
        subject = render_template(f"{base}/subject.txt", **values)
        text = render_template(f"{base}/body.txt", **values)
        try:
            html: str | None = render_template(f"{base}/body.html", **values)
        except TemplateNotFound as exc:
            if exc.name != f"{base}/body.html":
                raise
            html = None
    text = _BLANK_LINES.sub("\n\n", text).strip() + "\n"
    return RenderedEmail(" ".join(subject.split()), text, html)


def deliver_email(
    to: str, template: str, context: dict[str, Any], locale: str = DEFAULT_LOCALE
) -> bool:
    """Render and send one e-mail now (called by the ``portal.send_email`` task).

    Returns False when the server refused it for good (logged, not retried); transient
    failures raise :class:`~portal.adapters.email.base.EmailDeliveryError` for a retry.
    """
    rendered = render_email(template, context, locale)
    config = current_app.config
    message = compose_email(
        sender=config["MAIL_FROM"],
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        reply_to=config["MAIL_REPLY_TO"],
    )
    try:
        current_app.extensions["email_sender"].send(message)
    except EmailRejected as exc:
        # No address here: the template name and the SMTP code are enough to investigate.
        log.warning("e-mail %r rejected for good (SMTP %s); not retrying", template, exc.code)
        return False
    log.info("e-mail %r sent", template)
    return True


def deliver_text_message(channel: str, to_phone: str, text: str) -> bool:
    """Send one SMS / WhatsApp message now (called by ``portal.send_text_message``).

    Returns False when no provider is configured (logged); transient failures raise
    :class:`~portal.adapters.messaging.base.TextDeliveryError` for a retry.
    """
    try:
        current_app.extensions["text_sender"].send(channel=channel, to_phone=to_phone, text=text)
    except TextMessagingUnavailable:
        log.error("%s message dropped: no provider is configured", channel)
        return False
    log.info("%s message sent", channel)
    return True
