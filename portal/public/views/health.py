"""``/healthz`` for load balancers and ``/csp-report`` for browsers' CSP violation reports."""

from __future__ import annotations

import logging

from flask import Response, jsonify, request
from sqlalchemy import text

from portal.extensions import csrf, db
from portal.log import scrub
from portal.public.blueprint import bp

log = logging.getLogger(__name__)
MAX_REPORT_BYTES = 16 * 1024


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Database reachability, as JSON; 503 when the database does not answer.

    One round trip: a pooled connection outside the ORM session, in autocommit on
    PostgreSQL, so no BEGIN before the ``SELECT 1`` and no ROLLBACK after it (the load
    balancer asks every 500 ms, per server).
    """
    try:
        ping()
        database = "ok"
    except Exception:  # any driver error means "not healthy"; details stay in the log
        log.exception("health check: database unavailable")
        database = "unavailable"
    healthy = database == "ok"
    body = {"status": "ok" if healthy else "degraded", "database": database}
    return jsonify(body), 200 if healthy else 503


def ping() -> None:
    engine = db.engine
    autocommit = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**autocommit) as connection:
        connection.execute(text("SELECT 1"))


@bp.post("/csp-report")
@csrf.exempt  # browsers post these on their own; the body is only logged
def csp_report() -> tuple[str, int]:
    raw = request.get_data(cache=False)[:MAX_REPORT_BYTES]
    log.warning("csp violation report: %s", scrub(raw.decode("utf-8", "replace")))
    return "", 204
