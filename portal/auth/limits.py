"""Rate limits with Flask-Limiter: memory in the embedded default, Redis when configured.

Authentication endpoints fail closed: if the limiter's storage is unreachable they answer
503 instead of letting an unlimited number of attempts through (requirements.md E6).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", swallow_errors=False)


def init_limiter(app: Flask) -> None:
    # No X-RateLimit-* headers on every answer (they vary per request and say nothing
    # useful to a person); a 429 carries Retry-After (see portal.errors).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "portal-limit")
    limiter.init_app(app)
    if app.config["PORTAL_ENV"] == "production" and app.config["RATELIMIT_STORAGE_URI"] == (
        "memory://"
    ):
        log.warning(
            "rate limits use per-process memory; set REDIS_URL so all app servers share them"
        )


def ip_limit(config_key: str, methods: list[str] | None = None) -> Callable[[F], F]:
    """A per-client-IP limit read from configuration at request time (429 when exceeded).

    Only POSTs count by default: many Brazilian mobile users share one public IP (CGNAT),
    and merely reading a page must not lock them out.
    """
    decorator = limiter.limit(lambda: current_app.config[config_key], methods=methods or ["POST"])
    return cast(Callable[[F], F], decorator)


def hit_identifier(config_key: str, identifier: str) -> bool:
    """Count one attempt for an identifier (e-mail, CPF, debtor id); False when over the limit.

    The identifier should already be a hash: the limiter's storage is not a place for PII.
    A storage failure aborts with 503 (fail closed).
    """
    try:
        allowed = True
        for item in parse_many(current_app.config[config_key]):
            if not limiter.limiter.hit(item, config_key, identifier):
                allowed = False
        return allowed
    except Exception:  # storage down: refuse rather than allow unlimited attempts
        log.exception("rate-limit storage unavailable")
        abort(503)


def retry_after_seconds() -> int:
    """Seconds until the limit that was just hit resets (for a 429's Retry-After)."""
    import time

    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))
