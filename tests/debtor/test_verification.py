"""One-time codes for step-up: 6 digits, 10 minutes, single use, 5 attempts (scenario 9)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.extensions import db
from portal.models import OneTimeCode
from tests.access_helpers import code_in, debtor_with_items, events, form_post, reminder_link
from tests.html import csrf_token, parse_page
from tests.smtp_server import SmtpServer


def _sign_in(client: FlaskClient):  # type: ignore[no-untyped-def]
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    form_post(client, f"/a/{token}", {"digits": debtor.document[:3]})
    return debtor


def _send(client: FlaskClient, next_path: str = "/inicio"):  # type: ignore[no-untyped-def]
    page = parse_page(client.get(f"/verificacao?next={next_path}"))
    return client.post(
        "/verificacao/enviar", data={"csrf_token": csrf_token(page), "channel": "email"}
    )


def _enter(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    page = parse_page(client.get("/verificacao"))
    return client.post("/verificacao", data={"csrf_token": csrf_token(page), "code": code})


def test_code_by_email_confirms_and_returns_to_next(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    debtor = _sign_in(client)
    assert _send(client, "/inicio?x=1").status_code == 303
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == debtor.email
    code = code_in(message)
    body = message.get_body(("plain",)).get_content()
    assert "10 minutos" in body and "R$" not in body
    row = db.session.query(OneTimeCode).one()
    assert code not in row.code_hash  # only an HMAC is stored
    response = _enter(client, code)
    assert response.status_code == 303 and response.headers["Location"] == "/inicio?x=1"
    assert len(events("code.verified")) == 1
    # single use
    assert _enter(client, code).status_code == 400


def test_five_wrong_codes_void_it(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    _sign_in(client)
    _send(client)
    code = code_in(smtp_server.wait_for(1)[0])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert _enter(client, wrong).status_code == 400
    assert _enter(client, code).status_code == 400, "a 6th, correct guess is refused"
    assert db.session.query(OneTimeCode).one().attempts == 5
    assert len(events("code.failed")) == 6


def test_codes_expire_after_ten_minutes(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    _sign_in(client)
    _send(client)
    code = code_in(smtp_server.wait_for(1)[0])
    row = db.session.query(OneTimeCode).one()
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    row.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert _enter(client, code).status_code == 400


def test_asking_for_codes_is_rate_limited(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    _sign_in(client)
    for _ in range(4):
        _send(client)
    smtp_server.wait_for(3)
    import time

    time.sleep(0.3)
    assert len(smtp_server.messages) == 3
    assert len(events("code.request_limited")) == 1


def test_a_new_code_replaces_the_old_one(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    _sign_in(client)
    _send(client)
    _send(client)
    first, second = (code_in(m) for m in smtp_server.wait_for(2))
    if first != second:
        assert _enter(client, first).status_code == 400
    assert _enter(client, second).status_code == 303


def test_next_cannot_leave_the_site(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    """Scenario 11 for the debtor side."""
    _sign_in(client)
    _send(client, "//evil.example/x")
    response = _enter(client, code_in(smtp_server.wait_for(1)[0]))
    assert response.headers["Location"] == "/inicio"


def test_verification_needs_a_session(client: FlaskClient) -> None:
    assert client.get("/verificacao").headers["Location"] == "/"


def test_code_by_sms_in_development_lands_in_the_outbox(client: FlaskClient, app: Flask) -> None:
    from portal.adapters.email.outbox import get_outbox_message, list_outbox

    _sign_in(client)
    page = parse_page(client.get("/verificacao"))
    labels = [label.get_text() for label in page.select("fieldset label")]
    assert any(label.startswith("SMS: (41) *****-") for label in labels)
    client.post("/verificacao/enviar", data={"csrf_token": csrf_token(page), "channel": "sms"})
    outbox = app.config["DEV_OUTBOX_DIR"]
    [entry] = [e for e in list_outbox(outbox) if e.channel == "sms"]
    text = get_outbox_message(outbox, entry.key).text
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert "Não compartilhe" in text and "R$" not in text
    assert _enter(client, code).status_code == 303
