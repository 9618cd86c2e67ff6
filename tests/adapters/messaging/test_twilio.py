"""The Twilio adapter against a local server that speaks the Messages API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from portal.adapters.messaging.base import TextDeliveryError, TextRejected
from portal.adapters.messaging.twilio import TwilioTextProvider
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, fake_twilio

CALLBACK = "https://portal.test.example/callbacks/twilio/status"
PHONE = "+5511987654321"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with fake_twilio() as server:
        yield server


def provider(fake: FakeTwilio, **kw: object) -> TwilioTextProvider:
    values: dict[str, object] = {
        "sms_from": "+5511990000000",
        "whatsapp_from": "+5511990000001",
        "status_callback": CALLBACK,
        "api_base_url": fake.url,
        "timeout": 5.0,
    }
    values.update(kw)
    return TwilioTextProvider(ACCOUNT_SID, AUTH_TOKEN, **values)  # type: ignore[arg-type]


def test_sms_goes_through_the_messages_api(fake: FakeTwilio) -> None:
    receipt = provider(fake).send_message(channel="sms", to_phone=PHONE, text="Olá")
    [sent] = fake.messages
    assert receipt.provider == "twilio"
    assert receipt.message_id == sent["sid"] and receipt.message_id.startswith("SM")
    assert receipt.status == "queued"
    assert (sent["to"], sent["from"], sent["body"]) == (PHONE, "+5511990000000", "Olá")
    assert sent["status_callback"] == CALLBACK


def test_messaging_service_instead_of_a_number(fake: FakeTwilio) -> None:
    sms = provider(fake, sms_from=None, messaging_service_sid="MG" + "a" * 32)
    sms.send(channel="sms", to_phone=PHONE, text="Oi")
    assert fake.messages[0]["messaging_service_sid"] == "MG" + "a" * 32
    assert fake.messages[0]["from"] is None


def test_whatsapp_uses_the_approved_template_and_its_parameters(fake: FakeTwilio) -> None:
    sid = "HX" + "b" * 32
    provider(fake).send_message(
        channel="whatsapp",
        to_phone=PHONE,
        text="Olá, Ana. R$ 10,00",
        template=sid,
        parameters=("Ana", "R$ 10,00"),
    )
    [sent] = fake.messages
    assert sent["to"] == f"whatsapp:{PHONE}" and sent["from"] == "whatsapp:+5511990000001"
    assert sent["content_sid"] == sid
    assert sent["content_variables"] == {"1": "Ana", "2": "R$ 10,00"}
    assert sent["body"] == ""


def test_whatsapp_without_a_template_sends_the_text(fake: FakeTwilio) -> None:
    provider(fake).send(channel="whatsapp", to_phone=PHONE, text="código 123456")
    assert fake.messages[0]["body"] == "código 123456"


def test_refusals_are_permanent_and_outages_transient(fake: FakeTwilio) -> None:
    fake.refuse["+5511900000001"] = 21211
    fake.fail_with["+5511900000002"] = 500
    fake.fail_with["+5511900000003"] = 429
    twilio = provider(fake)
    with pytest.raises(TextRejected) as refused:
        twilio.send_message(channel="sms", to_phone="+5511900000001", text="x")
    assert refused.value.code == "21211"
    for phone in ("+5511900000002", "+5511900000003"):
        with pytest.raises(TextDeliveryError):
            twilio.send_message(channel="sms", to_phone=phone, text="x")
    assert fake.messages == []


def test_wrong_credentials_are_refused_by_the_server(fake: FakeTwilio) -> None:
    wrong = TwilioTextProvider(
        ACCOUNT_SID, "wrong-token", sms_from="+5511990000000", api_base_url=fake.url
    )
    with pytest.raises(TextRejected, match="401"):
        wrong.send_message(channel="sms", to_phone=PHONE, text="x")
    assert fake.auth_failures == 1


def test_an_unreachable_provider_is_transient() -> None:
    with fake_twilio() as gone:
        url = gone.url
    unreachable = TwilioTextProvider(
        ACCOUNT_SID, AUTH_TOKEN, sms_from="+5511990000000", api_base_url=url, timeout=2.0
    )
    with pytest.raises(TextDeliveryError, match="cannot reach Twilio"):
        unreachable.send_message(channel="sms", to_phone=PHONE, text="x")


def test_channels_follow_the_configured_senders(fake: FakeTwilio) -> None:
    only_whatsapp = provider(fake, sms_from=None)
    assert only_whatsapp.channels() == frozenset({"whatsapp"})
    with pytest.raises(TextRejected, match="no Twilio sender"):
        only_whatsapp.send_message(channel="sms", to_phone=PHONE, text="x")
    assert provider(fake).channels() == frozenset({"sms", "whatsapp"})
    assert "token" not in repr(provider(fake)).lower()
    with pytest.raises(ValueError, match="required"):
        TwilioTextProvider(ACCOUNT_SID, "")


def test_bad_input_never_reaches_the_provider(fake: FakeTwilio) -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        provider(fake).send_message(channel="sms", to_phone="11987654321", text="x")
    assert fake.messages == []


def test_signed_callbacks_are_verified(fake: FakeTwilio) -> None:
    twilio = provider(fake)
    twilio.send_message(channel="sms", to_phone=PHONE, text="x")
    url, form, signature = fake.status_callback(fake.messages[0], "delivered")
    assert twilio.valid_callback(url, form, signature)
    assert not twilio.valid_callback(url, {**form, "MessageStatus": "failed"}, signature)
    assert not twilio.valid_callback(url + "?x=1", form, signature)
    assert not twilio.valid_callback(url, form, "")
    other = TwilioTextProvider(ACCOUNT_SID, "another-token", sms_from="+5511990000000")
    assert not other.valid_callback(url, form, signature)
    assert json.dumps(form)  # plain strings, as Twilio posts them


def test_a_whatsapp_template_name_is_sent_as_its_configured_content_sid(fake: FakeTwilio) -> None:
    sid = "HX" + "c" * 32
    mapped = provider(fake, whatsapp_templates={"lembrete_pendencia": sid})
    mapped.send_message(
        channel="whatsapp",
        to_phone=PHONE,
        text="Olá, Ana.",
        template="lembrete_pendencia",
        parameters=("Ana", "R$ 10,00", "Luz & Cia"),
    )
    [sent] = fake.messages
    assert sent["content_sid"] == sid and sent["body"] == ""
    assert sent["content_variables"] == {"1": "Ana", "2": "R$ 10,00", "3": "Luz & Cia"}


def test_a_template_name_without_a_content_sid_is_refused_before_twilio(fake: FakeTwilio) -> None:
    with pytest.raises(TextRejected) as refused:
        provider(fake).send_message(
            channel="whatsapp", to_phone=PHONE, text="x", template="lembrete_pendencia"
        )
    assert refused.value.code == "unknown_template"
    assert "lembrete_pendencia" in str(refused.value)
    assert fake.messages == []


def test_the_fake_refuses_a_name_passed_as_content_sid_like_twilio(fake: FakeTwilio) -> None:
    """Why the map exists: Twilio accepts only a Content SID, never the template's name."""
    from portal.adapters.messaging.twilio import TwilioTextProvider as Provider

    class Unmapped(Provider):
        def content_sid(self, template: str) -> str:
            return template

    raw = Unmapped(ACCOUNT_SID, AUTH_TOKEN, whatsapp_from="+5511990000001", api_base_url=fake.url)
    with pytest.raises(TextRejected) as refused:
        raw.send_message(channel="whatsapp", to_phone=PHONE, text="x", template="lembrete")
    assert refused.value.code == "21655"
