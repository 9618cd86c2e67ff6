"""``PAYMENT_PROVIDER=pix_api``: its settings are checked at start-up, one clear line each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from portal.adapters.payments import build_provider
from portal.adapters.payments.pix_api import PixApiProvider
from portal.config import ConfigError, load_settings
from portal.log import scrub
from tests.pix_certs import Pki, make_pki
from tests.test_config import PROD

pytestmark = pytest.mark.pix_api


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


def pix_env(pki: Pki, **overrides: str) -> dict[str, str]:
    env = {
        **PROD,
        "PAYMENT_PROVIDER": "pix_api",
        "PIX_API_BASE_URL": "https://pix.psp.example.com.br/api/v2",
        "PIX_API_CLIENT_ID": "client-id",
        "PIX_API_CLIENT_SECRET": "client-secret",
        "PIX_API_CERT_FILE": str(pki.client_cert),
        "PIX_API_KEY_FILE": str(pki.client_key),
        "PIX_API_WEBHOOK_SECRET": "w" * 40,
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value != "-"}


def refused(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_complete_production_configuration_builds_the_provider(pki: Pki) -> None:
    settings = load_settings(
        pix_env(pki, PIX_API_WEBHOOK_ALLOWED_IPS="203.0.113.0/24, 198.51.100.7")
    )
    assert settings["PIX_API_TOKEN_URL"] == "https://pix.psp.example.com.br/oauth/token"
    assert settings["PIX_API_WEBHOOK_ALLOWED_IPS"] == ("203.0.113.0/24", "198.51.100.7/32")
    app = Flask("t")
    app.config.update(settings)
    provider = build_provider(app)
    assert isinstance(provider, PixApiProvider) and provider.name == "pix_api"
    assert provider.client.session.cert == (str(pki.client_cert), str(pki.client_key))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"PIX_API_CERT_FILE": "-"}, "PIX_API_CERT_FILE is required"),
        (
            {"PIX_API_CERT_FILE": "/nonexistent/client.pem"},
            "PIX_API_CERT_FILE points to a missing file",
        ),
        ({"PIX_API_KEY_FILE": "-"}, "PIX_API_KEY_FILE is required"),
        (
            {"PIX_API_BASE_URL": "http://pix.psp.example.com.br/api/v2"},
            "PIX_API_BASE_URL must use https in production",
        ),
        (
            {"PIX_API_TOKEN_URL": "http://pix.psp.example.com.br/oauth"},
            "PIX_API_TOKEN_URL must use https in production",
        ),
        ({"PIX_API_BASE_URL": "https://127.0.0.1:8443/api"}, "a fake PSP is for tests only"),
        ({"PIX_API_BASE_URL": "-"}, "PIX_API_BASE_URL is required"),
        ({"PIX_API_CLIENT_SECRET": "-"}, "PIX_API_CLIENT_SECRET is required"),
        ({"PIX_API_WEBHOOK_SECRET": "-"}, "PIX_API_WEBHOOK_SECRET or PIX_API_WEBHOOK_ALLOWED_IPS"),
        ({"PIX_API_WEBHOOK_SECRET": "short"}, "PIX_API_WEBHOOK_SECRET must be 32-128"),
        ({"PIX_API_WEBHOOK_ALLOWED_IPS": "psp.example"}, "not an IP address or network"),
    ],
)
def test_each_problem_is_one_line_naming_the_variable(
    pki: Pki, overrides: dict[str, str], expected: str
) -> None:
    assert expected in refused(pix_env(pki, **overrides))


def test_a_key_that_is_not_a_pem_file_or_cannot_be_read(pki: Pki, tmp_path: Path) -> None:
    garbage = tmp_path / "client.key"
    garbage.write_text("not a key")
    assert "PIX_API_KEY_FILE is not a PEM file" in refused(
        pix_env(pki, PIX_API_KEY_FILE=str(garbage))
    )
    assert "PIX_API_KEY_FILE points to a missing file" in refused(
        pix_env(pki, PIX_API_KEY_FILE=str(tmp_path))  # a directory
    )
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.key"
        locked.write_bytes(pki.client_key.read_bytes())
        locked.chmod(0)
        assert "PIX_API_KEY_FILE cannot be read" in refused(
            pix_env(pki, PIX_API_KEY_FILE=str(locked))
        )


def test_development_may_talk_http_to_a_local_fake_without_certificates(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "PAYMENT_PROVIDER": "pix_api",
            "PIX_API_BASE_URL": "http://127.0.0.1:4010",
            "PIX_API_CLIENT_ID": "id",
            "PIX_API_CLIENT_SECRET": "secret",
        },
        instance_path=tmp_path,
    )
    assert settings["PIX_API_CERT_FILE"] is None and settings["PIX_API_WEBHOOK_SECRET"] is None


def test_an_unknown_provider_lists_pix_api(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="stripe, pix_api or sandbox"):
        load_settings({"PAYMENT_PROVIDER": "boleto"}, instance_path=tmp_path)


def test_the_webhook_secret_in_a_logged_path_is_masked() -> None:
    line = scrub("POST /callbacks/pix/abcdefghijklmnopqrstuvwxyzABCDEF/pix 200")
    assert "abcdefghij" not in line and "/callbacks/pix/[redacted]/pix" in line
