"""Company API keys: 256-bit secrets shown once, only their SHA-256 stored (requirements.md E11).

A key looks like ``dpk_<43 base64url characters>``; its first 12 characters are the
*prefix*, stored in clear so people can tell keys apart in lists and logs. Requests carry it
as ``Authorization: Bearer <key>``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import abort, g, request

from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.tokens import KEY_PREFIX, hash_key
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.models import ActorType, ApiKey

F = TypeVar("F", bound=Callable[..., Any])


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> ApiKey | None:
    """The usable key named by the request's bearer token, or None."""
    secret = _bearer()
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 100:
        return None
    digest = hash_key(secret)
    key = db.session.scalar(sa.select(ApiKey).where(ApiKey.secret_hash == digest))
    if key is None or not hmac.compare_digest(key.secret_hash, digest):
        return None
    now = now_utc()
    if not key.usable_at(now):
        return None
    # One write per key per minute at most: enough to show "last used" to staff.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        with unit_of_work(db.session):
            db.session.execute(
                sa.update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now)
            )
    return key


def api_key_required(view: F) -> F:
    """Sets ``g.api_key``, ``g.creditor_id`` and ``g.actor``; 401 otherwise."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = getattr(g, "api_key", None) or authenticate()
        if key is None:
            abort(401)
        g.api_key = key
        g.creditor_id = key.creditor_id
        g.actor = Actor(
            ActorType.API_KEY,
            str(key.id),
            ip=request.remote_addr,
            user_agent=request.headers.get("User-Agent"),
        )
        return view(*args, **kwargs)

    return cast(F, wrapper)


def rate_limit_key() -> str:
    """Flask-Limiter key: the API key's id (each company has its own bucket)."""
    key = getattr(g, "api_key", None) or authenticate()
    if key is None:
        return f"anon:{request.remote_addr}"
    g.api_key = key
    return f"key:{key.id}"
