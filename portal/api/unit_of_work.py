"""One transaction per API request, and the Idempotency-Key replay around it.

GETs only read. Writes commit once, after the view built its response; a 5xx rolls back.
For a POST with an ``Idempotency-Key`` the stored response is written in that same
transaction (see ``portal.services.integration.idempotency``).

Concurrency (issue 12): a duplicate of a request still running waits for it a little
(``IDEMPOTENCY_WAIT_SECONDS`` on PostgreSQL's unique index; SQLite's busy timeout on the
embedded default), then replays its answer; if the first is still running after that, the
duplicate gets 409 ``idempotency_key_in_progress`` with ``Retry-After``. A unit of work
that loses a race on a unique index (two requests creating the same debtor) is rolled back
and run again, once more at most, and then sees the winner's row.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import Response, current_app, g, request
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.api import rules
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.database import database_busy
from portal.errors import idempotent_post, in_progress, problem
from portal.extensions import db
from portal.services.integration import idempotency

log = logging.getLogger(__name__)
REPLAYED_HEADER = "Idempotent-Replayed"
_IDEMPOTENCY_KEY = re.compile(rules.IDEMPOTENCY_KEY.strip("^$"))
ATTEMPTS = 3


@contextmanager
def _bounded_lock_wait() -> Iterator[None]:
    """On PostgreSQL, wait at most ``IDEMPOTENCY_WAIT_SECONDS`` for a row lock meanwhile.

    The reservation's INSERT waits on the unique index while another transaction holds the
    same key; without a bound it would wait as long as that request runs. SQLite waits at
    BEGIN instead (portal.database), bounded by its busy timeout.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    milliseconds = int(current_app.config.get("IDEMPOTENCY_WAIT_SECONDS", 5) * 1000)
    db.session.execute(sa.text(f"SET LOCAL lock_timeout = {milliseconds}"))
    yield
    db.session.execute(sa.text("SET LOCAL lock_timeout = DEFAULT"))


def _cipher() -> Fernet:
    """Stored responses are encrypted with a key derived from the caller's API key.

    A response may hold a secret (an access link's URL); the database only ever sees it
    encrypted, and only a holder of the same API key can have it replayed.
    """
    secret = request.headers.get("Authorization", "").partition(" ")[2].strip()
    digest = hashlib.sha256(b"portal-idempotency-v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def run_in_unit_of_work(call: Callable[[], Response], method: str) -> Response:
    if method == "get":
        return call()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _attempt(call, method)
        except IntegrityError:
            db.session.rollback()
            if attempt == ATTEMPTS:
                raise
            log.info("unit of work lost a race on a unique index; running it again")
        except DBAPIError as error:
            # A lock waited for too long: a duplicate of a request still running gets 409 with
            # Retry-After; anything else goes to the application's 503 handler.
            if not (database_busy(error) and idempotent_post()):
                raise
            db.session.rollback()
            log.warning("database busy: %s", type(error.orig).__name__)
            return in_progress()
    raise AssertionError("unreachable")


def _attempt(call: Callable[[], Response], method: str) -> Response:
    record = None
    key = request.headers.get("Idempotency-Key")
    if method == "post" and key is not None:
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            return problem(
                400,
                "Bad Request",
                "Idempotency-Key must have 1 to 255 printable ASCII characters, with no "
                "space at either end.",
                code="invalid_idempotency_key",
            )
        fingerprint = idempotency.request_fingerprint(
            method, request.path, request.get_data(cache=True)
        )
        try:
            with _bounded_lock_wait():
                claimed = idempotency.reserve(
                    db.session, g.creditor_id, key, fingerprint, now_utc()
                )
        except DBAPIError as error:
            if not database_busy(error):
                raise
            db.session.rollback()
            return in_progress()
        except idempotency.KeyReused:
            db.session.rollback()
            return problem(
                409,
                "Conflict",
                "This Idempotency-Key was already used with another request body.",
                code="idempotency_key_reused",
            )
        except idempotency.KeyInFlight:
            db.session.rollback()
            return in_progress()
        if isinstance(claimed, idempotency.StoredResponse):
            db.session.rollback()
            try:
                body = _cipher().decrypt(claimed.body.encode()).decode() if claimed.body else ""
            except InvalidToken:
                return problem(
                    409,
                    "Conflict",
                    "This Idempotency-Key was used with another API key.",
                    code="idempotency_key_reused",
                )
            replayed = current_app.response_class(
                body,
                status=claimed.status_code,
                mimetype="application/problem+json"
                if claimed.status_code >= 400
                else "application/json",
            )
            if claimed.location:
                replayed.headers["Location"] = claimed.location
            replayed.headers[REPLAYED_HEADER] = "true"
            return replayed
        record = claimed
    try:
        with unit_of_work(db.session):
            response = call()
            if response.status_code >= 500:
                raise _ServerError(response)
            if record is not None:
                idempotency.complete(
                    db.session,
                    record,
                    response.status_code,
                    _cipher().encrypt(response.get_data()).decode()
                    if response.get_data()
                    else None,
                    response.headers.get("Location"),
                )
    except _ServerError as failed:  # rolled back; the answer still goes out
        return failed.response
    return response


class _ServerError(Exception):
    """A 5xx answer: the unit of work is rolled back, the answer still goes out."""

    def __init__(self, response: Response) -> None:
        self.response = response
