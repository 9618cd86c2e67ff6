"""``Idempotency-Key`` on API POSTs (requirements.md E12): one effect, one stored response.

The record is inserted in the *same* transaction as the request's effect. Two concurrent
requests with the same key therefore meet on the UNIQUE (creditor, key) index: on PostgreSQL
the second INSERT waits until the first transaction ends, then fails, and the second request
replays the stored response. A different body under the same key is a 409; keys live 24 h.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.core import DbSession
from portal.models import IdempotencyRecord

TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: str | None
    location: str | None


class KeyReused(Exception):
    """The key was used with another method, path or body."""


class KeyInFlight(Exception):
    """The first request with this key has not finished (only without row-level waiting)."""


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), b"\n", path.encode(), b"\n", body):
        digest.update(part)
    return digest.hexdigest()


def find(session: DbSession, creditor_id: int, key: str, now: datetime) -> IdempotencyRecord | None:
    record = session.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.creditor_id == creditor_id, IdempotencyRecord.key == key
        )
    )
    if record is not None and record.expires_at <= now:
        session.delete(record)
        session.flush()
        return None
    return record


def replay(record: IdempotencyRecord, fingerprint: str) -> StoredResponse:
    if record.request_hash != fingerprint:
        raise KeyReused
    if record.status_code is None:
        raise KeyInFlight
    return StoredResponse(record.status_code, record.response_body, record.location)


def reserve(
    session: DbSession, creditor_id: int, key: str, fingerprint: str, now: datetime
) -> IdempotencyRecord | StoredResponse:
    """Claim the key in the current transaction, or give back the stored response.

    Raises ``KeyReused`` for another body and ``KeyInFlight`` if the first request is still
    running where the database could not make us wait for it.
    """
    existing = find(session, creditor_id, key, now)
    if existing is not None:
        return replay(existing, fingerprint)
    record = IdempotencyRecord(
        creditor_id=creditor_id, key=key, request_hash=fingerprint, expires_at=now + TTL
    )
    savepoint = session.begin_nested()
    session.add(record)
    try:
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        # The other request committed while we waited on the index: replay its answer.
        winner = find(session, creditor_id, key, now)
        if winner is None:
            raise KeyInFlight from None
        return replay(winner, fingerprint)
    return record


def complete(
    session: DbSession,
    record: IdempotencyRecord,
    status_code: int,
    body: str | None,
    location: str | None,
) -> None:
    record.status_code = status_code
    record.response_body = body
    record.location = location
    session.flush()


def purge_expired(session: DbSession, now: datetime) -> int:
    result = session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
