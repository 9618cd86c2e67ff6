"""Per-request plumbing: request id, CSP nonce and the security headers on every response.

Figures and sources: docs/requirements.md §E (E2–E5) and §B6.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

from portal.core.context import Actor
from portal.models.audit import ActorType

_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths; anything else goes to ``default`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def request_actor(kind: ActorType | None = None, actor_id: str | None = None) -> Actor:
    """The actor of this request for audit records: who (if known), IP and user agent."""
    from flask_login import current_user

    if kind is None:
        if current_user.is_authenticated:
            kind = ActorType.STAFF if current_user.is_staff else ActorType.DEBTOR
            actor_id = str(current_user.id)
        else:
            kind = ActorType.DEBTOR
    return Actor(
        kind, actor_id, ip=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )


def csp_nonce() -> str:
    """The nonce of this response; templates put it on every <script> and <style>."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return str(nonce)


def content_security_policy(nonce: str, *, stripe_checkout: bool = False) -> str:
    """Strict CSP; with Stripe, forms may also post to its hosted checkout (requirements.md E2)."""
    form_action = (
        "form-action 'self' https://checkout.stripe.com"
        if stripe_checkout
        else ("form-action 'self'")
    )
    directives = [
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        form_action,
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        # report-uri only: with report-to present Chromium switches to the Reporting API,
        # which batches reports for up to a minute and, in our headless tests, never
        # delivered them; report-uri is sent at once by every browser.
        "report-uri /csp-report",
    ]
    return "; ".join(directives)


def init_http(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers["X-Request-Id"] = g.get("request_id", "-")
        headers.setdefault(
            "Content-Security-Policy",
            content_security_policy(
                csp_nonce(),
                stripe_checkout=current_app.config.get("PAYMENT_PROVIDER") == "stripe",
            ),
        )
        if current_app.config["PORTAL_ENV"] != "development":
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        if request.endpoint != "static" and "Cache-Control" not in headers:
            # A shared phone must not show a debtor's page from the cache or the back button.
            headers["Cache-Control"] = "no-store, max-age=0"
        return response
