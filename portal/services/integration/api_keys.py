"""Create, rotate and revoke a creditor's API keys; every change audited (E11)."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.core.tokens import new_api_key
from portal.models import ApiKey

ROTATION_GRACE = timedelta(hours=24)


def create_key(
    session: DbSession,
    creditor_id: int,
    name: str,
    *,
    actor: Actor,
    staff_id: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and never stored."""
    secret, prefix, digest = new_api_key()
    key = ApiKey(
        creditor_id=creditor_id,
        name=name.strip()[:80] or "API",
        prefix=prefix,
        secret_hash=digest,
        created_by_staff_id=staff_id,
    )
    session.add(key)
    session.flush()
    record_event(
        session,
        actor,
        "api_key.created",
        subject=("api_key", key.id),
        creditor_id=creditor_id,
        details={"prefix": prefix, "name": key.name},
    )
    return key, secret


def rotate_key(
    session: DbSession, key: ApiKey, *, actor: Actor, now: datetime, staff_id: int | None = None
) -> tuple[ApiKey, str]:
    """A replacement key; the old one keeps working for 24 hours, then stops."""
    replacement, secret = create_key(
        session, key.creditor_id, key.name, actor=actor, staff_id=staff_id
    )
    key.expires_at = now + ROTATION_GRACE
    session.flush()
    record_event(
        session,
        actor,
        "api_key.rotated",
        subject=("api_key", key.id),
        creditor_id=key.creditor_id,
        details={"prefix": key.prefix, "replacement": replacement.prefix},
    )
    return replacement, secret


def revoke_key(session: DbSession, key: ApiKey, *, actor: Actor, now: datetime) -> None:
    if key.revoked_at is None:
        key.revoked_at = now
        session.flush()
        record_event(
            session,
            actor,
            "api_key.revoked",
            subject=("api_key", key.id),
            creditor_id=key.creditor_id,
            details={"prefix": key.prefix},
        )
