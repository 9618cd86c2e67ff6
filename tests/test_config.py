"""portal/config.py: settings from the environment, validated with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal import create_app
from portal.config import DEV_SECRET_KEY, ConfigError, load_settings

GOOD_SECRET = "x" * 48
PROD = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": GOOD_SECRET,
    "DATABASE_URL": "postgresql://portal:pw@db.internal:5432/portal",
    "BASE_URL": "https://acordos.example.com.br",
    "OPERATOR_LEGAL_NAME": "Operadora Exemplo Ltda.",
    "OPERATOR_CNPJ": "11.222.333/0001-81",
    "OPERATOR_ADDRESS": "Rua Exemplo, 1, São Paulo - SP",
    "SMTP_HOST": "smtp.example.com",
    "MAIL_FROM": "Portal <nao-responda@example.com>",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRETS": "whsec_new, whsec_old",
}


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in PROD.items() if k != name}


def test_embedded_default_needs_nothing(tmp_path: Path) -> None:
    settings = load_settings({}, instance_path=tmp_path)
    assert settings["PORTAL_ENV"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert settings["SECRET_KEY"] == DEV_SECRET_KEY
    assert settings["CELERY_BROKER_URL"] is None
    assert settings["BASE_URL"] == "http://127.0.0.1:5000"
    assert settings["LOG_FORMAT"] == "text"
    assert settings["EMAIL_BACKEND"] == "outbox"
    assert settings["DEV_OUTBOX_DIR"] == str(tmp_path / "outbox")
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["MAGIC_LINK_TTL_MINUTES"] == 15
    assert settings["PAYMENT_PROVIDER"] == "sandbox"


def test_production_with_everything_set_starts() -> None:
    settings = load_settings(PROD)
    assert settings["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://portal:pw@db.internal:5432/portal"
    )
    assert settings["OPERATOR_CNPJ"] == "11222333000181"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["LOG_FORMAT"] == "json"
    assert settings["DEBUG"] is False
    assert settings["EMAIL_BACKEND"] == "smtp"
    assert settings["SMTP_PORT"] == 587
    assert settings["TEXT_MESSAGE_BACKEND"] == "none"
    assert settings["PAYMENT_PROVIDER"] == "stripe"
    assert settings["STRIPE_WEBHOOK_SECRETS"] == ("whsec_new", "whsec_old")


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_KEY",
        "DATABASE_URL",
        "BASE_URL",
        "OPERATOR_LEGAL_NAME",
        "OPERATOR_CNPJ",
        "OPERATOR_ADDRESS",
        "SMTP_HOST",
        "MAIL_FROM",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRETS",
    ],
)
def test_production_refuses_to_start_without(name: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(without(name))
    message = str(excinfo.value)
    assert name in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:///prod.db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"BASE_URL": "http://acordos.example.com.br"}, "BASE_URL"),
        ({"BASE_URL": "acordos.example.com.br"}, "BASE_URL"),
        ({"BASE_URL": "https://acordos.example.com.br/?x=1"}, "BASE_URL"),
        ({"OPERATOR_CNPJ": "11.222.333/0001-80"}, "OPERATOR_CNPJ"),
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"TRUSTED_PROXIES": "many"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "9"}, "TRUSTED_PROXIES"),
        ({"SESSION_COOKIE_SECURE": "maybe"}, "SESSION_COOKIE_SECURE"),
        ({"SESSION_COOKIE_SECURE": "false"}, "SESSION_COOKIE_SECURE"),
        ({"SMTP_SECURITY": "tls13"}, "SMTP_SECURITY"),
        ({"SMTP_PORT": "70000"}, "SMTP_PORT"),
        ({"MAIL_FROM": "nobody"}, "MAIL_FROM"),
        ({"MAGIC_LINK_TTL_MINUTES": "0"}, "MAGIC_LINK_TTL_MINUTES"),
        ({"ACCESS_LINK_MAX_DAYS": "31"}, "ACCESS_LINK_MAX_DAYS"),
        ({"OTP_TTL_MINUTES": "11"}, "OTP_TTL_MINUTES"),
        ({"PAYMENT_PROVIDER": "sandbox"}, "PAYMENT_PROVIDER"),
        ({"PAYMENT_PROVIDER": "paypal"}, "PAYMENT_PROVIDER"),
        ({"STRIPE_SECRET_KEY": "pk_live_x"}, "STRIPE_SECRET_KEY"),
        ({"PIX_EXPIRY_MINUTES": "1"}, "PIX_EXPIRY_MINUTES"),
        ({"CLOCK_OFFSET_DAYS": "30"}, "CLOCK_OFFSET_DAYS"),
        ({"CLOCK_OFFSET_DAYS": "0"}, "CLOCK_OFFSET_DAYS"),
    ],
)
def test_invalid_values_are_named(overrides: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        load_settings({**PROD, **overrides})


def test_database_url_always_overrides_the_default(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_URL": "postgres://u@h/d"}, instance_path=tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


def test_broker_switches_celery_out_of_eager_mode(tmp_path: Path) -> None:
    settings = load_settings(
        {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, instance_path=tmp_path
    )
    assert settings["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"


def test_create_app_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in without("SECRET_KEY").items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as excinfo:
        create_app()
    assert str(excinfo.value).startswith("configuration error: SECRET_KEY is required")


def test_production_app_is_not_in_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PROD.items():
        monkeypatch.setenv(key, value)
    app = create_app()
    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_stripe_api_base_points_the_sdk_elsewhere() -> None:
    assert load_settings(PROD)["STRIPE_API_BASE"] is None
    local = load_settings({**PROD, "STRIPE_API_BASE": "http://127.0.0.1:8129/"})
    assert local["STRIPE_API_BASE"] == "http://127.0.0.1:8129"
    with pytest.raises(ConfigError, match="STRIPE_API_BASE"):
        load_settings({**PROD, "STRIPE_API_BASE": "ftp://127.0.0.1"})


def test_the_provider_sends_its_calls_to_the_api_base() -> None:
    from portal.adapters.payments.stripe import StripeProvider
    from tests.fake_stripe import FakeStripe

    fake = FakeStripe()
    provider = StripeProvider(
        "sk_test_x",
        ("whsec_x",),
        http_client=fake,
        api_base="http://127.0.0.1:8129",
        max_network_retries=0,
    )
    with pytest.raises(Exception):  # noqa: B017 - unknown id; only the address matters
        provider.retrieve("pi_123")
    assert fake.calls[0].url.startswith("http://127.0.0.1:8129/v1/payment_intents/pi_123")


def test_the_clock_can_be_shifted_only_outside_production(tmp_path: Path) -> None:
    assert load_settings({}, instance_path=tmp_path)["CLOCK_OFFSET_DAYS"] == 0
    shifted = load_settings({"CLOCK_OFFSET_DAYS": " -31 "}, instance_path=tmp_path)
    assert shifted["CLOCK_OFFSET_DAYS"] == -31
    with pytest.raises(ConfigError, match="CLOCK_OFFSET_DAYS must be a whole number"):
        load_settings({"CLOCK_OFFSET_DAYS": "1.5"}, instance_path=tmp_path)
    with pytest.raises(ConfigError, match="CLOCK_OFFSET_DAYS must be between"):
        load_settings({"CLOCK_OFFSET_DAYS": "99999"}, instance_path=tmp_path)


def test_create_app_applies_the_shift_and_refuses_it_in_production(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from portal.core.clock import now_utc, offset

    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}"}
    try:
        create_app({**base, "CLOCK_OFFSET_DAYS": 31})
        assert offset() == timedelta(days=31)
        assert now_utc() - datetime.now(UTC) > timedelta(days=30, hours=23)
        with pytest.raises(SystemExit, match="CLOCK_OFFSET_DAYS is for development only"):
            create_app({**base, "CLOCK_OFFSET_DAYS": 31, "PORTAL_ENV": "production"})
    finally:
        create_app(base)
    assert offset() == timedelta(0)
