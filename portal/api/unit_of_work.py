"""One transaction per API request, and the Idempotency-Key replay around it.

GETs only read. Writes are one :func:`portal.core.uow.unit_of_work`: it commits once, after
the view built its response; an exception or a 5xx answer rolls back. For a POST with an
``Idempotency-Key`` the stored response is written in that same transaction (see
``portal.services.integration.idempotency``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken
from flask import Response, current_app, g, request

from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.errors import problem
from portal.extensions import db
from portal.services.integration import idempotency

REPLAYED_HEADER = "Idempotent-Replayed"


def _cipher() -> Fernet:
    """Stored responses are encrypted with a key derived from the caller's API key.

    A response may hold a secret (an access link's URL); the database only ever sees it
    encrypted, and only a holder of the same API key can have it replayed.
    """
    secret = request.headers.get("Authorization", "").partition(" ")[2].strip()
    digest = hashlib.sha256(b"portal-idempotency-v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class _ServerError(Exception):
    """A 5xx answer: the unit of work is rolled back, the answer still goes out."""

    def __init__(self, response: Response) -> None:
        self.response = response


def run_in_unit_of_work(call: Callable[[], Response], method: str) -> Response:
    if method == "get":
        return call()
    try:
        return _write(call, method)
    except _ServerError as failed:
        return failed.response


def _write(call: Callable[[], Response], method: str) -> Response:
    record = None
    key = request.headers.get("Idempotency-Key")
    if method == "post" and key is not None:
        if not 1 <= len(key) <= 255 or not key.isprintable():
            return problem(
                400,
                "Bad Request",
                "Idempotency-Key must have 1 to 255 printable characters.",
                code="invalid_idempotency_key",
            )
        fingerprint = idempotency.request_fingerprint(
            method, request.path, request.get_data(cache=True)
        )
        try:
            claimed = idempotency.reserve(db.session, g.creditor_id, key, fingerprint, now_utc())
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
            response = problem(
                409,
                "Conflict",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                code="idempotency_key_in_flight",
            )
            response.headers["Retry-After"] = "1"
            return response
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
    with unit_of_work(db.session):
        response = call()
        if response.status_code >= 500:
            raise _ServerError(response)
        if record is not None:
            idempotency.complete(
                db.session,
                record,
                response.status_code,
                _cipher().encrypt(response.get_data()).decode() if response.get_data() else None,
                response.headers.get("Location"),
            )
    return response
