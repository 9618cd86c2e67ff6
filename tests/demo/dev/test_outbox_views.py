"""portal/dev: the development outbox pages, and their absence in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.adapters.email import compose_email
from portal.adapters.email.outbox import OutboxEmailSender, list_outbox
from portal.adapters.messaging import OutboxTextSender
from portal.demo.dev.views import HTML_PART_CSP
from portal.worker import init_celery
from tests.conftest import make_test_app
from tests.html import parse_page

SENDER = "Portal de Acordos <nao-responda@portal.example.com>"
PHONE = "+5541999990000"


@pytest.fixture
def outbox(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Point the app's outbox (directory and both senders) at a fresh directory."""
    directory = tmp_path / "outbox"
    saved_dir = app.config["DEV_OUTBOX_DIR"]
    saved = {name: app.extensions[name] for name in ("email_sender", "text_sender")}
    app.config["DEV_OUTBOX_DIR"] = str(directory)
    app.extensions["email_sender"] = OutboxEmailSender(directory)
    app.extensions["text_sender"] = OutboxTextSender(directory)
    try:
        yield directory
    finally:
        app.config["DEV_OUTBOX_DIR"] = saved_dir
        app.extensions.update(saved)


@pytest.fixture
def rebind_celery(app: Flask) -> Iterator[None]:
    """Building another app rebinds Celery to it; give it back to the session app."""
    yield
    init_celery(app)


def _email(directory: Path, subject: str, html: str | None = "<p>Olá</p>") -> None:
    OutboxEmailSender(directory).send(
        compose_email(
            sender=SENDER,
            to="ana@example.com",
            subject=subject,
            text="Linha 1\nLinha 2\n",
            html=html,
        )
    )


def _key(directory: Path, subject: str) -> str:
    return next(entry.key for entry in list_outbox(directory) if entry.subject == subject)


def test_the_blueprint_is_there_in_development(app: Flask) -> None:
    assert app.config["EMAIL_BACKEND"] == "outbox"
    assert "dev" in app.blueprints


def test_an_empty_outbox(client: FlaskClient, outbox: Path) -> None:
    response = client.get("/dev/outbox")
    assert response.status_code == 200
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == "Caixa de saída"
    text = soup.get_text()
    assert "Ambiente de desenvolvimento: nenhuma mensagem sai deste computador." in text
    assert "Nenhuma mensagem por enquanto." in text
    assert response.headers["Cache-Control"].startswith("no-store")


def test_the_list_shows_everything_newest_first(client: FlaskClient, outbox: Path) -> None:
    _email(outbox, "Primeiro e-mail")
    OutboxTextSender(outbox).send(channel="sms", to_phone=PHONE, text="Seu link chegou.")
    OutboxTextSender(outbox).send(channel="whatsapp", to_phone=PHONE, text="Olá!")

    soup = parse_page(client.get("/dev/outbox"))
    rows = soup.select("tbody tr")
    assert len(rows) == 3
    cells = [[td.get_text(strip=True) for td in row.find_all("td")] for row in rows]
    assert [row[1] for row in cells] == ["WhatsApp", "SMS", "E-mail"]
    assert [row[2] for row in cells] == [PHONE, PHONE, "ana@example.com"]
    assert cells[2][3] == "Primeiro e-mail"
    assert all(row[0] != "—" for row in cells)
    links = [row.find("a")["href"] for row in rows]
    assert all(link.startswith("/dev/outbox/") for link in links)
    for link in links:
        assert client.get(link).status_code == 200


def test_a_message_page_shows_headers_and_text(client: FlaskClient, outbox: Path) -> None:
    _email(outbox, "Assunto <com> marcação")
    key = _key(outbox, "Assunto <com> marcação")

    response = client.get(f"/dev/outbox/{key}")
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == "Assunto <com> marcação"
    assert "<com>" not in response.get_data(as_text=True)  # escaped
    assert "ana@example.com" in soup.find("dl").get_text()
    assert soup.find("pre").get_text() == "Linha 1\nLinha 2\n"
    html_link = soup.find("a", href=f"/dev/outbox/{key}/html")
    assert html_link is not None
    assert "Ambiente de desenvolvimento" in soup.get_text()


def test_a_text_message_page_has_no_html_link(client: FlaskClient, outbox: Path) -> None:
    OutboxTextSender(outbox).send(channel="sms", to_phone=PHONE, text="Código: 123456")
    key = list_outbox(outbox)[0].key
    soup = parse_page(client.get(f"/dev/outbox/{key}"))
    assert soup.h1.get_text(strip=True) == f"SMS para {PHONE}"
    assert soup.find("a", href=f"/dev/outbox/{key}/html") is None
    assert client.get(f"/dev/outbox/{key}/html").status_code == 404


def test_the_html_part_is_served_in_a_sandbox(client: FlaskClient, outbox: Path) -> None:
    _email(outbox, "Com HTML", html='<p style="color:red">Olá <script>alert(1)</script></p>')
    key = _key(outbox, "Com HTML")

    response = client.get(f"/dev/outbox/{key}/html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == HTML_PART_CSP
    assert HTML_PART_CSP == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
    )
    assert response.headers.getlist("Content-Security-Policy") == [HTML_PART_CSP]
    assert '<p style="color:red">' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/dev/outbox/..",
        "/dev/outbox/%2e%2e",
        "/dev/outbox/..%2F..%2Fetc%2Fpasswd",
        "/dev/outbox/..%2F..%2Fetc%2Fpasswd/html",
        "/dev/outbox/chave%20inv%C3%A1lida",
        "/dev/outbox/x;ls",
        "/dev/outbox/1700000000.M1P1Q1.host",
        "/dev/outbox/1700000000.M1P1Q1.host/html",
        "/dev/outbox/" + "a" * 300,
    ],
)
def test_bad_or_unknown_keys_are_not_found(client: FlaskClient, outbox: Path, path: str) -> None:
    _email(outbox, "Existe")
    response = client.get(path)
    assert response.status_code == 404


def test_not_registered_in_production(monkeypatch: pytest.MonkeyPatch, rebind_celery: None) -> None:
    production = {
        "PORTAL_ENV": "production",
        "SECRET_KEY": "p" * 48,
        "DATABASE_URL": "postgresql://portal:pw@db.internal:5432/portal",
        "BASE_URL": "https://acordos.example.com.br",
        "OPERATOR_LEGAL_NAME": "Operadora Exemplo Ltda.",
        "OPERATOR_CNPJ": "11.222.333/0001-81",
        "OPERATOR_ADDRESS": "Rua Exemplo, 1, São Paulo - SP",
        "SMTP_HOST": "smtp.example.com",
        "MAIL_FROM": "Portal <nao-responda@example.com>",
        "LOG_FORMAT": "text",
        "STRIPE_SECRET_KEY": "sk_test_production_like",
        "STRIPE_WEBHOOK_SECRETS": "whsec_test",
    }
    for key, value in production.items():
        monkeypatch.setenv(key, value)
    app = create_app()
    assert "dev" not in app.blueprints
    assert not any(rule.rule.startswith("/dev") for rule in app.url_map.iter_rules())
    assert type(app.extensions["email_sender"]).__name__ == "SmtpEmailSender"
    assert type(app.extensions["text_sender"]).__name__ == "UnavailableTextSender"


def test_not_registered_when_email_goes_out_by_smtp(database_uri: str, rebind_celery: None) -> None:
    app = make_test_app(database_uri, EMAIL_BACKEND="smtp", SMTP_HOST="smtp.example.com")
    assert app.config["PORTAL_ENV"] == "development"
    assert "dev" not in app.blueprints
