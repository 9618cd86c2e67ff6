"""Twilio end to end: the job sends through the API, signed callbacks move the status,
a SAIR reply opts the debtor out; unsigned or forged callbacks change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.messaging.twilio import CALLBACK_PATH, INBOUND_PATH, TwilioTextProvider
from portal.extensions import db
from portal.models import MessageStatus, OutboxEvent, ReminderMessage, ReminderOptOut
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, fake_twilio
from tests.services.regua.conftest import MONDAY, at, company, item_due, run

BASE = "https://portal.test.example"
CONTENT_SID = "HX" + "d" * 32  # the demo ruler's approved WhatsApp template


@pytest.fixture
def twilio(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        provider = TwilioTextProvider(
            ACCOUNT_SID,
            AUTH_TOKEN,
            sms_from="+5511990000000",
            whatsapp_from="+5511990000001",
            status_callback=f"{BASE}{CALLBACK_PATH}",
            whatsapp_templates={"lembrete_pendencia": CONTENT_SID},
            api_base_url=fake.url,
            timeout=5.0,
        )
        monkeypatch.setitem(app.extensions, "text_provider", provider)
        yield fake


def _message() -> ReminderMessage:
    db.session.expire_all()
    return db.session.scalars(sa.select(ReminderMessage)).one()


def _send_one(app: Flask, phone: str = "+5511987654321") -> ReminderMessage:
    from tests.factories import create_debtor

    with app.app_context():
        creditor, _ = company()
        item_due(creditor, MONDAY - timedelta(days=3), debtor=create_debtor(phone=phone))
        assert run(at(MONDAY, 10)).sent == 1
    return _message()


def _post(client: FlaskClient, path: str, form: dict[str, str], signature: str) -> object:
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def test_sent_through_twilio_then_delivered_by_a_signed_callback(
    app: Flask, client: FlaskClient, twilio: FakeTwilio
) -> None:
    message = _send_one(app)
    [sent] = twilio.messages
    assert message.status == MessageStatus.SENT and message.provider == "twilio"
    assert message.provider_message_id == sent["sid"]
    assert "Responda SAIR p/ parar" in sent["body"] and len(sent["body"]) <= 160
    url, form, signature = twilio.status_callback(sent, "delivered")
    assert url == f"{BASE}{CALLBACK_PATH}"
    response = _post(client, CALLBACK_PATH, form, signature)
    assert response.status_code == 204  # type: ignore[attr-defined]
    assert _message().status == MessageStatus.DELIVERED and _message().delivered_at
    # A late "sent" after "delivered" changes nothing.
    _, late, late_signature = twilio.status_callback(sent, "sent")
    assert _post(client, CALLBACK_PATH, late, late_signature).headers["X-Outcome"] == "ignored"  # type: ignore[attr-defined]
    assert _message().status == MessageStatus.DELIVERED


def test_a_failure_reported_later_tells_the_company(
    app: Flask, client: FlaskClient, twilio: FakeTwilio
) -> None:
    _send_one(app)
    _, form, signature = twilio.status_callback(twilio.messages[0], "undelivered", "30003")
    assert _post(client, CALLBACK_PATH, form, signature).status_code == 204  # type: ignore[attr-defined]
    message = _message()
    assert message.status == MessageStatus.UNDELIVERED and "30003" in (message.error or "")
    types = db.session.scalars(sa.select(OutboxEvent.type)).all()
    assert "reminder.failed" in types and "reminder.sent" in types


def test_forged_or_unsigned_callbacks_are_refused(
    app: Flask, client: FlaskClient, twilio: FakeTwilio
) -> None:
    _send_one(app)
    _, form, signature = twilio.status_callback(twilio.messages[0], "delivered")
    forged = {**form, "MessageStatus": "failed"}
    for data, sig in ((forged, signature), (form, ""), (form, "AAAA")):
        response = _post(client, CALLBACK_PATH, data, sig)
        assert response.status_code == 403  # type: ignore[attr-defined]
        assert response.content_type == "application/problem+json"  # type: ignore[attr-defined]
    assert _message().status == MessageStatus.SENT


def test_the_provider_refusing_the_number_fails_the_message(app: Flask, twilio: FakeTwilio) -> None:
    twilio.refuse["+5511900000009"] = 21211
    with app.app_context():
        creditor, _ = company()
        from tests.factories import create_debtor

        item_due(creditor, MONDAY - timedelta(days=3), debtor=create_debtor(phone="+5511900000009"))
        report = run(at(MONDAY, 10))
        assert (report.sent, report.failed) == (0, 1)
    message = _message()
    assert message.status == MessageStatus.FAILED and "21211" in (message.error or "")


def test_a_sair_reply_opts_out_and_the_next_run_skips(
    app: Flask, client: FlaskClient, twilio: FakeTwilio
) -> None:
    message = _send_one(app)
    form, signature = twilio.inbound(f"{BASE}{INBOUND_PATH}", "+5511987654321", "Sair ")
    response = _post(client, INBOUND_PATH, form, signature)
    assert response.status_code == 200 and b"<Response>" in response.data  # type: ignore[attr-defined]
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(ReminderOptOut)).all()
    assert (row.debtor_id, row.channel, row.source, row.message_id) == (
        message.debtor_id,
        "sms",
        "message",
        message.id,
    )
    bad_form, _ = twilio.inbound(f"{BASE}{INBOUND_PATH}", "+5511987654321", "SAIR")
    assert _post(client, INBOUND_PATH, bad_form, "x").status_code == 403  # type: ignore[attr-defined]
    chatter, chatter_sig = twilio.inbound(f"{BASE}{INBOUND_PATH}", "+5511987654321", "obrigado")
    assert _post(client, INBOUND_PATH, chatter, chatter_sig).status_code == 200  # type: ignore[attr-defined]
    assert len(db.session.scalars(sa.select(ReminderOptOut)).all()) == 1


def test_without_twilio_the_endpoints_do_not_exist(client: FlaskClient) -> None:
    assert client.post(CALLBACK_PATH, data={"MessageSid": "SMx"}).status_code == 404
    assert client.post(INBOUND_PATH, data={"Body": "SAIR"}).status_code == 404


def test_a_signed_callback_without_the_message_is_a_bad_request(
    client: FlaskClient, twilio: FakeTwilio
) -> None:
    from twilio.request_validator import RequestValidator

    form = {"AccountSid": ACCOUNT_SID}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{BASE}{CALLBACK_PATH}", form)
    response = _post(client, CALLBACK_PATH, form, signature)
    assert response.status_code == 400  # type: ignore[attr-defined]
    unknown = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{BASE}{CALLBACK_PATH}", unknown)
    response = _post(client, CALLBACK_PATH, unknown, signature)
    assert response.headers["X-Outcome"] == "unknown"  # type: ignore[attr-defined]


def test_a_whatsapp_reply_opts_out_of_whatsapp_only(
    app: Flask, client: FlaskClient, twilio: FakeTwilio
) -> None:
    message = _send_one(app)
    form, signature = twilio.inbound(f"{BASE}{INBOUND_PATH}", "whatsapp:+5511987654321", "PARAR")
    assert _post(client, INBOUND_PATH, form, signature).status_code == 200  # type: ignore[attr-defined]
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(ReminderOptOut)).all()
    assert (row.debtor_id, row.channel, row.message_id) == (message.debtor_id, "whatsapp", None)


def test_a_whatsapp_step_goes_out_as_its_approved_templates_content_sid(
    app: Flask, twilio: FakeTwilio
) -> None:
    from tests.factories import create_debtor

    with app.app_context():
        creditor, _ = company(trade_name="Luz & Cia")
        item_due(creditor, MONDAY - timedelta(days=7), debtor=create_debtor(phone="+5511987654321"))
        assert run(at(MONDAY, 10)).sent == 1
    [sent] = twilio.messages
    assert sent["to"] == "whatsapp:+5511987654321"
    assert sent["content_sid"] == CONTENT_SID and sent["body"] == ""
    variables = sent["content_variables"]
    assert list(variables) == [str(n) for n in range(1, len(variables) + 1)]
    assert "Luz & Cia" in variables.values()


def test_a_ruler_naming_a_template_without_a_content_sid_is_refused(
    app: Flask, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.services.regua.rulers import RulerRefused

    monkeypatch.setattr(app.extensions["text_provider"], "whatsapp_templates", {})
    with app.app_context(), pytest.raises(RulerRefused) as refused:
        company()
    assert "no_content_sid" in str(refused.value)
