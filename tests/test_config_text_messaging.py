"""SMS / WhatsApp configuration: Twilio from the environment, or the outbox, or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.adapters.messaging import build_text_sender
from portal.adapters.messaging.provider import (
    NoTextProvider,
    OutboxTextProvider,
    build_text_provider,
)
from portal.adapters.messaging.twilio import TwilioTextProvider
from portal.config import ConfigError, load_settings
from tests.test_config import PROD

TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "token-1234567890",
    "TWILIO_SMS_FROM": "+5511990000000",
}


def test_development_defaults_to_the_outbox(tmp_path: Path) -> None:
    settings = load_settings({}, instance_path=tmp_path)
    assert settings["TEXT_MESSAGE_BACKEND"] == "outbox"
    assert isinstance(build_text_provider(settings), OutboxTextProvider)


def test_production_without_twilio_has_no_text_channel() -> None:
    settings = load_settings(PROD)
    assert settings["TEXT_MESSAGE_BACKEND"] == "none"
    assert build_text_provider(settings).channels() == frozenset()
    assert isinstance(build_text_provider(settings), NoTextProvider)


def test_production_with_twilio() -> None:
    settings = load_settings({**PROD, **TWILIO, "TWILIO_WHATSAPP_FROM": "+5511990000001"})
    assert settings["TEXT_MESSAGE_BACKEND"] == "twilio"
    provider = build_text_provider(settings)
    assert isinstance(provider, TwilioTextProvider)
    assert provider.channels() == frozenset({"sms", "whatsapp"})
    assert provider.status_callback == f"{settings['BASE_URL']}/callbacks/twilio/status"
    assert isinstance(build_text_sender(settings), TwilioTextProvider)


@pytest.mark.parametrize(
    "overrides",
    [
        {"TWILIO_AUTH_TOKEN": ""},
        {"TWILIO_ACCOUNT_SID": "XX" + "1" * 32},
        {"TWILIO_SMS_FROM": ""},
    ],
)
def test_incomplete_twilio_settings_are_named(overrides: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="TWILIO_"):
        load_settings({**PROD, **TWILIO, **overrides})


def test_the_outbox_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="outbox"):
        build_text_provider({"TEXT_MESSAGE_BACKEND": "outbox", "PORTAL_ENV": "production"})
    with pytest.raises(Exception, match="no sms provider"):
        NoTextProvider().send_message(channel="sms", to_phone="+5511999990000", text="x")


def test_whatsapp_templates_map_names_to_content_sids() -> None:
    sid_a, sid_b = "HX" + "a" * 32, "HX" + "B" * 32
    settings = load_settings(
        {
            **PROD,
            **TWILIO,
            "TWILIO_WHATSAPP_FROM": "+5511990000001",
            "TWILIO_WHATSAPP_TEMPLATES": f" lembrete_pendencia={sid_a}, oferta_acordo = {sid_b} ",
        }
    )
    expected = {"lembrete_pendencia": sid_a, "oferta_acordo": sid_b}
    assert settings["TWILIO_WHATSAPP_TEMPLATES"] == expected
    provider = build_text_provider(settings)
    assert isinstance(provider, TwilioTextProvider)
    assert provider.whatsapp_templates == expected
    assert provider.content_sid("oferta_acordo") == sid_b
    assert provider.content_sid(sid_a) == sid_a  # a SID given directly stays as it is


@pytest.mark.parametrize(
    "raw",
    [
        "lembrete_pendencia",  # no SID
        "lembrete_pendencia=MG" + "a" * 32,  # not a Content SID
        "lembrete_pendencia=HX123",  # too short
        "Lembrete=HX" + "a" * 32,  # names are lower-case
        f"a=HX{'a' * 32},a=HX{'b' * 32}",  # twice
    ],
)
def test_a_malformed_template_map_stops_start_up_with_one_line(raw: str) -> None:
    with pytest.raises(ConfigError) as stopped:
        load_settings({**PROD, **TWILIO, "TWILIO_WHATSAPP_TEMPLATES": raw})
    message = str(stopped.value)
    assert "TWILIO_WHATSAPP_TEMPLATES" in message and "\n" not in message
