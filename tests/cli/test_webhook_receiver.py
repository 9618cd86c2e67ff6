"""``flask --app portal webhook-receiver``: the demo's webhooks received on this machine, and
``demo-info`` saying how (issue 18)."""

from __future__ import annotations

import json

from flask import Flask

from portal.adapters.webhooks_out import signing
from portal.cli.webhook_receiver import describe


def _delivery(secret: str) -> tuple[dict[str, str], bytes]:
    body = json.dumps({"id": "evt_1", "sequence": 7, "type": "payment.succeeded"}).encode()
    return signing.headers([secret], "evt_1", 1_764_064_800, body), body


def test_each_delivery_is_described_with_its_signature_checked() -> None:
    secret = signing.new_secret()
    headers, body = _delivery(secret)
    line = describe(secret, headers, body)
    assert line.startswith("evt_1  nº 7  payment.succeeded")
    assert "assinatura ok" in line
    assert "INVÁLIDA" in describe(signing.new_secret(), headers, body)
    assert "sem --secret" in describe(None, headers, body)
    tampered = body.replace(b"7", b"8")
    assert "INVÁLIDA" in describe(secret, headers, tampered)


def test_demo_info_says_how_to_receive_webhooks_locally(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    output = runner.invoke(args=["demo-info"]).output
    assert "flask --app portal webhook-receiver --port 8765" in output
    assert "http://127.0.0.1:8765/" in output
    assert "WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true" in output and ".env" in output


def test_the_receiver_is_for_development_only(app: Flask) -> None:
    saved = app.config["PORTAL_ENV"]
    app.config["PORTAL_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["webhook-receiver", "--port", "1"])
    finally:
        app.config["PORTAL_ENV"] = saved
    assert result.exit_code != 0 and "development only" in result.output
