"""portal/http.py: security headers and the CSP nonce on every response."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_test_app
from tests.html import parse_page


def _directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in header.split("; ")}


def test_strict_csp_with_a_fresh_nonce(client: FlaskClient) -> None:
    first = client.get("/")
    second = client.get("/")
    csp = _directives(first.headers["Content-Security-Policy"])
    assert csp["default-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["object-src"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", csp["script-src"])
    assert nonce is not None
    assert nonce.group(1) not in second.headers["Content-Security-Policy"]
    soup = parse_page(first)
    for tag in soup.find_all("style"):
        assert tag["nonce"] == nonce.group(1)


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    assert "Strict-Transport-Security" not in headers  # development runs over http
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cache-Control"] == "no-store, max-age=0"
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_request_id_is_echoed_or_made(client: FlaskClient) -> None:
    assert client.get("/", headers={"X-Request-Id": "abc12345-req"}).headers["X-Request-Id"] == (
        "abc12345-req"
    )
    made = client.get("/", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)


def test_static_assets_are_cacheable_and_versioned(client: FlaskClient) -> None:
    soup = parse_page(client.get("/"))
    href = soup.find("link", rel="stylesheet")["href"]
    assert re.fullmatch(r"/static/css/portal\.css\?v=[0-9a-f]{12}", href)
    response = client.get(href)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_hsts_outside_development(database_uri: str) -> None:
    from tests.conftest import PRODUCTION_OVERRIDES

    app = make_test_app(database_uri, **PRODUCTION_OVERRIDES)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_form_action_allows_stripe_checkout_only_with_stripe(
    client: FlaskClient, app: Flask
) -> None:
    """Paying by card posts to us and is redirected to Stripe's hosted page (E2)."""
    sandbox = _directives(client.get("/").headers["Content-Security-Policy"])
    assert sandbox["form-action"] == "'self'"
    saved = app.config["PAYMENT_PROVIDER"]
    app.config["PAYMENT_PROVIDER"] = "stripe"
    try:
        stripe = _directives(client.get("/").headers["Content-Security-Policy"])
    finally:
        app.config["PAYMENT_PROVIDER"] = saved
    assert stripe["form-action"] == "'self' https://checkout.stripe.com"
