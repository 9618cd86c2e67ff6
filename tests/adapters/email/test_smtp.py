"""portal/adapters/email/smtp.py: real SMTP conversations with aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from portal.adapters.email import build_email_sender, compose_email
from portal.adapters.email.base import EmailDeliveryError, EmailRejected, EmailSender
from portal.adapters.email.outbox import OutboxEmailSender
from portal.adapters.email.smtp import SmtpEmailSender
from tests.smtp_server import SmtpServer, _Handler, free_port

SENDER = "Portal de Acordos <nao-responda@portal.example.com>"


def _message(to: str = "pessoa@example.com", html: str | None = None) -> EmailMessage:
    return compose_email(
        sender=SENDER,
        to=to,
        subject="Seu acordo está confirmado",
        text="Olá! Seu acordo está confirmado.\n",
        html=html,
    )


def _sender(server: SmtpServer, **kwargs: Any) -> SmtpEmailSender:
    options: dict[str, Any] = {"timeout": 5, "local_hostname": "client.test"}
    options.update(kwargs)
    return SmtpEmailSender(server.host, server.port, options.pop("security", "none"), **options)


def test_text_and_html_are_delivered_as_multipart_alternative(smtp_server: SmtpServer) -> None:
    message = _message(html="<p>Olá! Seu <strong>acordo</strong> está confirmado.</p>")
    _sender(smtp_server).send(message)

    [received] = smtp_server.wait_for(1)
    assert smtp_server.received[0].rcpt_tos == ["pessoa@example.com"]
    assert smtp_server.received[0].mail_from == "nao-responda@portal.example.com"
    assert received.get_content_type() == "multipart/alternative"
    assert received["From"] == SENDER
    assert received["To"] == "pessoa@example.com"
    assert received["Subject"] == "Seu acordo está confirmado"
    assert received["Message-ID"] == message["Message-ID"]
    assert received["Message-ID"].endswith("@portal.example.com>")
    assert parsedate_to_datetime(received["Date"]).tzinfo is not None
    assert received["Auto-Submitted"] == "auto-generated"
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content() == "Olá! Seu acordo está confirmado.\n"
    assert "<strong>acordo</strong>" in html.get_content()


def test_a_text_only_message_is_a_single_part(smtp_server: SmtpServer) -> None:
    _sender(smtp_server).send(_message())
    [received] = smtp_server.wait_for(1)
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content() == "Olá! Seu acordo está confirmado.\n"


def test_the_sender_satisfies_the_protocol(smtp_server: SmtpServer) -> None:
    assert isinstance(_sender(smtp_server), EmailSender)


def test_starttls_against_a_server_without_it_is_a_delivery_error(
    smtp_server: SmtpServer,
) -> None:
    with pytest.raises(EmailDeliveryError, match="STARTTLS"):
        _sender(smtp_server, security="starttls").send(_message())
    assert smtp_server.received == []


def test_connection_refused_is_a_delivery_error() -> None:
    sender = SmtpEmailSender("127.0.0.1", free_port(), "none", timeout=2)
    with pytest.raises(EmailDeliveryError, match="cannot reach"):
        sender.send(_message())


def test_a_silent_server_times_out_as_a_delivery_error() -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        sender = SmtpEmailSender("127.0.0.1", port, "none", timeout=0.5)
        with pytest.raises(EmailDeliveryError):
            sender.send(_message())


def test_a_5xx_recipient_refusal_is_permanent(smtp_server: SmtpServer) -> None:
    with pytest.raises(EmailRejected) as excinfo:
        _sender(smtp_server).send(_message(to="rejected@example.com"))
    assert excinfo.value.code == 550
    assert not isinstance(excinfo.value, EmailDeliveryError), "rejections are never retried"
    assert "rejected@example.com" not in str(excinfo.value)


def test_a_4xx_recipient_refusal_is_transient(smtp_server: SmtpServer) -> None:
    with pytest.raises(EmailDeliveryError, match="450"):
        _sender(smtp_server).send(_message(to="busy@example.com"))


def test_a_partial_refusal_is_permanent_and_the_others_got_it(smtp_server: SmtpServer) -> None:
    with pytest.raises(EmailRejected):
        _sender(smtp_server).send(_message(to="rejected@example.com, ana@example.com"))
    smtp_server.wait_for(1)
    assert smtp_server.received[0].rcpt_tos == ["ana@example.com"]


def test_unknown_security_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="security"):
        SmtpEmailSender("smtp.example.com", 25, "tls13")


def test_repr_never_shows_the_password() -> None:
    sender = SmtpEmailSender("smtp.example.com", 587, "starttls", "user", "s3cr3t-pw")
    assert "s3cr3t-pw" not in repr(sender)


# --- login ---------------------------------------------------------------------------------


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"portal", b"right-password")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_server() -> Iterator[SmtpServer]:
    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(
        _Handler(server),
        hostname=server.host,
        port=server.port,
        server_hostname="smtp.test",
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def test_logs_in_when_credentials_are_given(auth_server: SmtpServer) -> None:
    _sender(auth_server, username="portal", password="right-password").send(_message())
    assert len(auth_server.wait_for(1)) == 1


def test_a_refused_login_is_a_delivery_error(auth_server: SmtpServer) -> None:
    with pytest.raises(EmailDeliveryError, match="login refused"):
        _sender(auth_server, username="portal", password="wrong").send(_message())
    assert auth_server.received == []


# --- TLS (needs the openssl command to make a throw-away certificate) ----------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(  # noqa: S603 - fixed command line
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(
        _Handler(server),
        hostname=server.host,
        port=server.port,
        server_hostname="smtp.test",
        tls_context=_server_context(certificate),
        require_starttls=True,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def implicit_tls_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(
        _Handler(server),
        hostname=server.host,
        port=server.port,
        server_hostname="smtp.test",
        ssl_context=_server_context(certificate),
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def test_starttls_upgrades_the_connection(
    starttls_server: SmtpServer, certificate: tuple[Path, Path]
) -> None:
    sender = _sender(starttls_server, security="starttls", ssl_context=_trusting(certificate))
    sender.send(_message())
    assert len(starttls_server.wait_for(1)) == 1


def test_implicit_tls_delivers(
    implicit_tls_server: SmtpServer, certificate: tuple[Path, Path]
) -> None:
    sender = _sender(implicit_tls_server, security="ssl", ssl_context=_trusting(certificate))
    sender.send(_message())
    assert len(implicit_tls_server.wait_for(1)) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_default_context_verifies_the_certificate(
    security: str, starttls_server: SmtpServer, implicit_tls_server: SmtpServer
) -> None:
    server = starttls_server if security == "starttls" else implicit_tls_server
    with pytest.raises(EmailDeliveryError):
        _sender(server, security=security).send(_message())  # self-signed: refused
    assert server.received == []


# --- choosing the implementation -----------------------------------------------------------


def test_build_email_sender_follows_the_backend(tmp_path: Path) -> None:
    smtp = build_email_sender(
        {
            "EMAIL_BACKEND": "smtp",
            "SMTP_HOST": "smtp.example.com",
            "SMTP_PORT": 465,
            "SMTP_SECURITY": "ssl",
            "SMTP_USERNAME": "u",
            "SMTP_PASSWORD": "p",
            "SMTP_TIMEOUT": 7,
        }
    )
    assert isinstance(smtp, SmtpEmailSender)
    assert (smtp.host, smtp.port, smtp.security, smtp.timeout) == (
        "smtp.example.com",
        465,
        "ssl",
        7,
    )
    outbox = build_email_sender({"EMAIL_BACKEND": "outbox", "DEV_OUTBOX_DIR": str(tmp_path)})
    assert isinstance(outbox, OutboxEmailSender)
    with pytest.raises(ValueError, match="production"):
        build_email_sender(
            {"EMAIL_BACKEND": "outbox", "DEV_OUTBOX_DIR": str(tmp_path), "PORTAL_ENV": "production"}
        )
    with pytest.raises(ValueError, match="EMAIL_BACKEND"):
        build_email_sender({"EMAIL_BACKEND": "carrier-pigeon"})


# --- composing -----------------------------------------------------------------------------


def test_compose_folds_the_subject_and_sets_reply_to() -> None:
    message = compose_email(
        sender=SENDER,
        to="pessoa@example.com",
        subject="  Linha um\nlinha dois \n",
        text="corpo",
        reply_to="Atendimento <atendimento@portal.example.com>",
    )
    assert message["Subject"] == "Linha um linha dois"
    assert message["Reply-To"] == "Atendimento <atendimento@portal.example.com>"


def test_compose_refuses_header_injection() -> None:
    with pytest.raises(ValueError):
        compose_email(sender=SENDER, to="a@example.com\nBcc: b@example.com", subject="x", text="y")
