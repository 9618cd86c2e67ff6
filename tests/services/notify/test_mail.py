"""portal/services/notify/mail.py: e-mails and text messages leave only after the commit."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

from portal.adapters.email.base import EmailDeliveryError, EmailRejected
from portal.adapters.email.outbox import OutboxEmailSender, get_outbox_message, list_outbox
from portal.adapters.messaging import OutboxTextSender, UnavailableTextSender
from portal.core.after_commit import pending_callbacks
from portal.extensions import AppContextTask, celery, db
from portal.services.notify import (
    queue_email,
    queue_notice,
    queue_text_message,
    render_email,
)
from portal.services.notify.tasks import send_email, send_text_message
from tests.factories import create_debtor
from tests.smtp_server import SmtpServer

TO = "ana.souza@example.com"
NOTICE = {
    "subject": "Seu atendimento foi registrado",
    "title": "Recebemos sua mensagem",
    "paragraphs": ["Olá, Ana.", "Responderemos em até dois dias úteis."],
}
FULL_CPF = re.compile(r"\d{3}\.?\d{3}\.?\d{3}-?\d{2}")


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _deliver_one(smtp_server: SmtpServer, **kwargs: object) -> EmailMessage:
    create_debtor()
    queue_email(db.session, **{"to": TO, "template": "notice", "context": NOTICE, **kwargs})  # type: ignore[arg-type]
    db.session.commit()
    [message] = smtp_server.wait_for(1)
    return message


class FakeSender:
    """Fails ``failures`` times with ``error``, then accepts; counts the attempts."""

    def __init__(self, error: Exception | None = None, failures: int = 0) -> None:
        self.error = error
        self.failures = failures
        self.attempts = 0
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.attempts += 1
        if self.error is not None and self.attempts <= self.failures:
            raise self.error
        self.sent.append(message)


@pytest.fixture
def swap_extension(app: Flask) -> Iterator[object]:
    """Replace ``app.extensions[name]`` for one test; tasks bound to the session app."""
    saved: dict[str, object] = {}
    previous_task_app = AppContextTask.flask_app
    AppContextTask.flask_app = app

    def swap(name: str, value: object) -> None:
        saved.setdefault(name, app.extensions[name])
        app.extensions[name] = value

    try:
        yield swap
    finally:
        app.extensions.update(saved)
        AppContextTask.flask_app = previous_task_app


# --- after commit, and only then -----------------------------------------------------------


def test_nothing_leaves_before_the_commit_and_one_message_after(
    smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    create_debtor()
    queue_email(db.session, to=TO, template="notice", context=NOTICE)
    assert pending_callbacks(db.session) == 1
    assert smtp_server.received == []

    db.session.commit()

    messages = smtp_server.wait_for(1)
    assert len(messages) == 1
    assert smtp_server.received[0].rcpt_tos == [TO]
    assert messages[0]["Subject"] == NOTICE["subject"]
    assert messages[0]["From"] == smtp_app.config["MAIL_FROM"]
    db.session.commit()  # a later commit does not send it again
    assert len(smtp_server.received) == 1


def test_a_rollback_sends_nothing(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    create_debtor()
    queue_email(db.session, to=TO, template="notice", context=NOTICE)
    db.session.rollback()
    db.session.commit()
    with pytest.raises(AssertionError):
        smtp_server.wait_for(1, timeout=0.3)
    assert smtp_server.received == []


def test_the_context_is_snapshotted_when_queued(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    context = {"subject": "Antes", "paragraphs": ["um"]}
    create_debtor()
    queue_email(db.session, to=TO, template="notice", context=context)
    context["subject"] = "Depois"
    db.session.commit()
    assert smtp_server.wait_for(1)[0]["Subject"] == "Antes"


# --- content -------------------------------------------------------------------------------


def test_pt_br_by_default_with_the_operator_in_the_footer(
    smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _deliver_one(smtp_server)
    text, html = _parts(message)
    assert 'lang="pt-BR"' in html
    for body in (text, html):
        assert "Recebemos sua mensagem" in body
        assert "Responderemos em até dois dias úteis." in body
        assert "Responsável por este portal" in body
        assert smtp_app.config["OPERATOR_LEGAL_NAME"] in body
        assert "CNPJ 11.222.333/0001-81" in body  # format_cnpj of the configured CNPJ
        assert smtp_app.config["OPERATOR_ADDRESS"] in body
        assert "Nunca pedimos senhas nem códigos por telefone." in body


def test_english_when_asked(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    message = _deliver_one(smtp_server, locale="en")
    text, html = _parts(message)
    assert message["Subject"] == NOTICE["subject"]  # the subject comes from the context
    assert 'lang="en"' in html
    assert "Who runs this portal" in text and "Who runs this portal" in html
    assert "Responsável por este portal" not in html
    assert smtp_app.config["OPERATOR_LEGAL_NAME"] in html


def test_context_values_are_escaped_in_html_only(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    hostile = {
        "subject": "Aviso <b>importante</b>",
        "paragraphs": ['<script>alert("x")</script> & <img src=x onerror=y>'],
    }
    message = _deliver_one(smtp_server, context=hostile)
    text, html = _parts(message)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert '<script>alert("x")</script> & <img src=x onerror=y>' in text
    assert message["Subject"] == "Aviso <b>importante</b>"


def test_the_call_to_action_is_a_button_and_a_visible_address(smtp_app: Flask) -> None:
    with smtp_app.app_context():
        rendered = render_email(
            "notice",
            {
                **NOTICE,
                "action_url": "https://portal.test.example/a?x=1&y=2",
                "action_label": "Ver",
            },
        )
        sneaky = render_email("notice", {**NOTICE, "action_url": "javascript:alert(1)"})
    assert rendered.html is not None
    assert '<a href="https://portal.test.example/a?x=1&amp;y=2"' in rendered.html
    assert ">Ver</a>" in rendered.html
    assert "Ver:\nhttps://portal.test.example/a?x=1&y=2" in rendered.text
    assert sneaky.html is not None
    assert "javascript:" not in sneaky.html and "javascript:" not in sneaky.text


def test_the_layout_adds_no_amounts_nor_documents(smtp_app: Flask) -> None:
    with smtp_app.app_context():
        for locale in ("pt_BR", "en"):
            rendered = render_email("notice", {"subject": "Assunto", "paragraphs": []}, locale)
            assert rendered.html is not None
            for body in (rendered.text, rendered.html):
                assert "R$" not in body
                assert not FULL_CPF.search(body)
            assert "<script" not in rendered.html
            assert "\n\n\n" not in rendered.text


# --- validation when queuing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "context",
    [
        {"subject": "x", "when": date(2026, 1, 1)},
        {"subject": "x", "ratio": float("nan")},
        {"subject": "x", "items": {1, 2}},
        {1: "chave não textual"},
        {"subject": "x", "operator": "falso"},
    ],
)
def test_the_context_must_be_plain_json(context: dict[object, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        queue_email(db.session, to=TO, template="notice", context=context)  # type: ignore[arg-type]
    assert pending_callbacks(db.session) == 0


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"template": "../../etc/passwd"}, ValueError),
        ({"template": "Notice"}, ValueError),
        ({"locale": "fr"}, ValueError),
        ({"to": "a@example.com\nBcc: b@example.com"}, ValueError),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, str], error: type[Exception]) -> None:
    arguments = {"to": TO, "template": "notice", "context": NOTICE, **kwargs}
    with pytest.raises(error):
        queue_email(db.session, **arguments)  # type: ignore[arg-type]
    assert pending_callbacks(db.session) == 0


def test_queue_notice_checks_its_arguments() -> None:
    with pytest.raises(TypeError):
        queue_notice(db.session, to=TO, subject="x", paragraphs="não é lista")
    with pytest.raises(ValueError):
        queue_notice(db.session, to=TO, subject="x", paragraphs=[], action_url="javascript:x")
    assert pending_callbacks(db.session) == 0


def test_queue_notice_sends_the_notice(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    create_debtor()
    queue_notice(
        db.session,
        to=TO,
        subject="Link de acesso",
        paragraphs=["Use o botão abaixo."],
        action_url="https://portal.test.example/entrar",
        action_label="Entrar",
    )
    db.session.commit()
    [message] = smtp_server.wait_for(1)
    _, html = _parts(message)
    assert ">Entrar</a>" in html


# --- failures and retries ------------------------------------------------------------------


def test_the_task_retry_policy() -> None:
    for task in (send_email, send_text_message):
        assert task.max_retries == 8
        assert task.retry_backoff is True
        assert task.retry_backoff_max == 600
        assert task.acks_late is True
    assert send_email.name == "portal.send_email"
    assert send_text_message.name == "portal.send_text_message"
    assert send_email.autoretry_for == (EmailDeliveryError,)


@pytest.fixture
def retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eager tasks retry in place, as in the embedded default.

    Tests set ``task_eager_propagates``, under which an eager task raises ``Retry`` instead
    of retrying in place.
    """
    monkeypatch.setitem(celery.conf, "task_eager_propagates", False)


def _run_task_with_retries(**kwargs: object) -> None:
    arguments = {"to": TO, "template": "notice", "context": NOTICE, "locale": "pt_BR"}
    arguments.update(kwargs)
    send_email.apply(kwargs=arguments)


def test_a_transient_failure_is_retried(swap_extension: object, retrying: None) -> None:
    sender = FakeSender(EmailDeliveryError("connection refused"), failures=2)
    swap_extension("email_sender", sender)  # type: ignore[operator]
    _run_task_with_retries()
    assert sender.attempts == 3
    assert len(sender.sent) == 1


def test_retries_stop_after_max_retries(swap_extension: object, retrying: None) -> None:
    sender = FakeSender(EmailDeliveryError("timeout"), failures=100)
    swap_extension("email_sender", sender)  # type: ignore[operator]
    _run_task_with_retries()
    assert sender.attempts == 1 + send_email.max_retries
    assert sender.sent == []


def test_a_failed_send_does_not_undo_the_commit(
    swap_extension: object, caplog: pytest.LogCaptureFixture
) -> None:
    swap_extension("email_sender", FakeSender(EmailDeliveryError("down"), failures=100))  # type: ignore[operator]
    debtor = create_debtor()
    queue_email(db.session, to=TO, template="notice", context=NOTICE)
    db.session.commit()
    assert db.session.get(type(debtor), debtor.id) is not None
    assert "after-commit side effect failed" in caplog.text


def test_a_permanent_rejection_is_logged_and_not_retried(
    smtp_app: Flask, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="portal.services.notify.mail")
    create_debtor()
    queue_email(db.session, to="rejected@example.com", template="notice", context=NOTICE)
    db.session.commit()
    assert smtp_server.received == []
    records = [r for r in caplog.records if r.name == "portal.services.notify.mail"]
    assert [r.getMessage() for r in records] == [
        "e-mail 'notice' rejected for good (SMTP 550); not retrying"
    ]
    assert "rejected@example.com" not in caplog.text.replace("mail.log", "")


def test_a_rejection_counts_one_attempt(swap_extension: object, retrying: None) -> None:
    sender = FakeSender(EmailRejected("no such user", code=550), failures=100)
    swap_extension("email_sender", sender)  # type: ignore[operator]
    _run_task_with_retries()
    assert sender.attempts == 1


# --- the development outbox ----------------------------------------------------------------


def test_email_lands_in_the_outbox(swap_extension: object, tmp_path: Path) -> None:
    swap_extension("email_sender", OutboxEmailSender(tmp_path))  # type: ignore[operator]
    create_debtor()
    queue_email(db.session, to=TO, template="notice", context=NOTICE)
    assert list_outbox(tmp_path) == []
    db.session.commit()
    [entry] = list_outbox(tmp_path)
    stored = get_outbox_message(tmp_path, entry.key)
    assert stored.subject == NOTICE["subject"]
    assert stored.html is not None and "Recebemos sua mensagem" in stored.html
    assert stored.text is not None and "Recebemos sua mensagem" in stored.text


# --- SMS and WhatsApp ----------------------------------------------------------------------


def test_text_messages_leave_after_commit_only(swap_extension: object, tmp_path: Path) -> None:
    swap_extension("text_sender", OutboxTextSender(tmp_path))  # type: ignore[operator]
    create_debtor()
    queue_text_message(db.session, channel="sms", to_phone="+5541999990000", text="Seu link.")
    assert list_outbox(tmp_path) == []
    db.session.commit()
    [entry] = list_outbox(tmp_path)
    assert (entry.channel, entry.to) == ("sms", "+5541999990000")

    create_debtor()  # a unit of work in progress, as in a real use case
    queue_text_message(db.session, channel="whatsapp", to_phone="+5541999990000", text="Oi.")
    db.session.rollback()
    db.session.commit()
    assert len(list_outbox(tmp_path)) == 1


def test_text_messages_are_checked_when_queued() -> None:
    with pytest.raises(ValueError):
        queue_text_message(db.session, channel="pombo", to_phone="+5541999990000", text="x")
    assert pending_callbacks(db.session) == 0


def test_without_a_provider_the_message_is_dropped_and_logged(
    swap_extension: object, caplog: pytest.LogCaptureFixture
) -> None:
    swap_extension("text_sender", UnavailableTextSender())  # type: ignore[operator]
    create_debtor()
    queue_text_message(db.session, channel="sms", to_phone="+5541999990000", text="segredo 123")
    db.session.commit()
    assert "sms message dropped: no provider is configured" in caplog.text
    assert "segredo" not in caplog.text
