"""Engine set-up that makes SQLite behave like a real transactional database.

The embedded default runs on SQLite, whose Python driver by default starts transactions
lazily and commits DDL on its own, which breaks savepoints and Alembic's transactional
migrations. We take over transaction control (SQLAlchemy's documented recipe for
pysqlite), enforce foreign keys (off by default in SQLite), use WAL so readers do not
block the writer, and wait for a lock instead of failing at once.

Transactions begin IMMEDIATE: they take the write lock at BEGIN, waiting (the connection's
busy timeout) while another writer holds it. A DEFERRED transaction that has read and then
writes cannot wait: if another connection committed in between, SQLite refuses at once with
"database is locked" (it would otherwise write over a stale snapshot), which is how ten
concurrent API calls used to get six 500s. The price is that transactions queue one at a
time, which suits the embedded default (one process, a handful of people). A connection
that only reads, or is the only one (the test suite's), may opt out with the execution
option :data:`DEFERRED_BEGIN`.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InvalidatePoolError

DEFERRED_BEGIN = "portal_deferred_begin"
SQLITE_BUSY_TIMEOUT_SECONDS = 15
# PostgreSQL: lock_not_available (lock_timeout), serialization_failure, deadlock_detected.
_PG_BUSY = {"55P03", "40001", "40P01"}
# A pooled PostgreSQL connection idle longer than this is pinged before use (see ping_when_idle).
PING_IDLE_SECONDS = 5.0
_IDLE_SINCE = "portal_idle_since"


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # busy timeout: sqlite3.connect(timeout=)
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        deferred = conn.get_execution_options().get(DEFERRED_BEGIN, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def database_busy(error: BaseException) -> bool:
    """A lock we waited for too long (or a conflict to retry): the request may be repeated."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return "locked" in str(original) or "busy" in str(original)
    return getattr(original, "sqlstate", None) in _PG_BUSY


def engine_options(database_uri: str) -> dict[str, Any]:
    """Pool settings per database: PostgreSQL recycles old connections; SQLite waits.

    Neither ever prints statement parameters, in a log or in an exception's text.
    """
    if database_uri.startswith("sqlite"):
        return {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            "hide_parameters": True,  # errors never quote a row's values (CPFs, e-mails)
        }
    return {
        "hide_parameters": True,  # errors never quote a row's values (CPFs, e-mails)
        # No pool_pre_ping: it costs a round trip on every checkout (every request).
        # create_app installs ping_when_idle instead.
        "pool_size": 5,
        "max_overflow": 10,
        "pool_recycle": 1800,
        # psycopg prepares a statement after 5 runs, and PostgreSQL may then switch to a
        # generic plan: for "creditor = ? AND reference IN (500 values)" that plan scans the
        # creditor's whole portfolio per batch (measured 40x slower at 20,000 rows). Our
        # queries are cheap to plan; always plan them for their actual values.
        "connect_args": {"prepare_threshold": None},
    }


def ping_when_idle(engine: Engine, idle_seconds: float = PING_IDLE_SECONDS) -> None:
    """``pool_pre_ping`` for connections that sat in the pool longer than ``idle_seconds``.

    SQLAlchemy's pre-ping costs one round trip on every checkout, so one per request (about
    0.4 ms of a 1 ms health check). A connection used moments ago is alive; one that waited
    (a quiet night, a database restart) is pinged as before, and if the ping fails every
    pooled connection older than it is discarded and a fresh one is used (the same
    recovery as the pre-ping: ``InvalidatePoolError``, which the pool retries).
    """

    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # fresh from connect(), or back in the pool a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any driver error: the connection is gone
            raise InvalidatePoolError("idle connection failed its ping") from error
        if not alive:
            raise InvalidatePoolError("idle connection failed its ping")

    event.listen(engine.pool, "checkin", _checked_in)
    event.listen(engine.pool, "checkout", _checked_out)
