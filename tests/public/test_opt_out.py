"""/sair/<token>: the e-mail opt-out link asks first, then stops e-mails at once."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.email.outbox import OutboxEmailSender, get_outbox_message, list_outbox
from portal.extensions import db
from portal.models import ReminderMessage, ReminderOptOut
from tests.html import csrf_token, parse_page
from tests.services.regua.conftest import MONDAY, TUESDAY, at, company, item_due, run


def _email_with_link(app: Flask, outbox: Path) -> tuple[str, ReminderMessage]:
    app.extensions["email_sender"] = OutboxEmailSender(outbox)
    with app.app_context():
        creditor, _ = company()
        item_due(creditor, MONDAY - timedelta(days=20))  # the +15 e-mail step is current
        assert run(at(MONDAY, 10)).sent == 1
    [entry] = list_outbox(outbox)
    text = get_outbox_message(outbox, entry.key).text or ""
    url = re.search(r"https://portal\.test\.example(/sair/\S+)", text)
    assert url is not None
    return url.group(1), db.session.scalars(sa.select(ReminderMessage)).one()


def test_the_link_asks_then_opts_out(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    original = app.extensions["email_sender"]
    try:
        path, message = _email_with_link(app, tmp_path / "outbox")
        page = client.get(path)
        assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert db.session.scalars(sa.select(ReminderOptOut)).all() == []  # a GET changes nothing
        soup = parse_page(page)
        done = client.post(path, data={"csrf_token": csrf_token(soup)})
        assert done.status_code == 200
        [row] = db.session.scalars(sa.select(ReminderOptOut)).all()
        assert (row.debtor_id, row.channel, row.source, row.message_id) == (
            message.debtor_id,
            "email",
            "message",
            message.id,
        )
        with app.app_context():  # the next e-mail step is skipped
            later = run(at(TUESDAY + timedelta(days=20), 10))
            assert (later.sent, later.skipped_opt_out) == (0, 1)
    finally:
        app.extensions["email_sender"] = original


def test_a_forged_token_is_not_found(client: FlaskClient) -> None:
    response = client.get("/sair/MQ.forged-signature")
    assert response.status_code == 404
    assert "Link não reconhecido" in response.get_data(as_text=True)


def test_posting_without_csrf_is_refused(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    original = app.extensions["email_sender"]
    try:
        path, _ = _email_with_link(app, tmp_path / "outbox")
        assert client.post(path, data={}).status_code == 400
        assert db.session.scalars(sa.select(ReminderOptOut)).all() == []
    finally:
        app.extensions["email_sender"] = original
