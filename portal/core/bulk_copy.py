"""Bulk writes on PostgreSQL: ``COPY ... FROM STDIN`` in the session's transaction.

Bulk work (CSV imports, bulk access links, their audit records) writes thousands of rows a
step. A multi-row INSERT is parsed, planned and turned into its wire form by psycopg row by
row; COPY streams the rows and PostgreSQL writes them in one pass. Rows go through the
session's own connection, so they are part of the caller's unit of work like any flush
(never committed here). Other databases (SQLite, the embedded default) have no COPY: callers
keep a portable path for them and ask :func:`copy_supported` which one to take.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb

from portal.core import DbSession


def copy_supported(session: DbSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def driver_connection(session: DbSession) -> Any:
    """The psycopg connection under the session's transaction (what it flushed included)."""
    session.flush()
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - a live session always has one
        raise RuntimeError("the session has no database connection")
    return connection


def copy_rows(
    session: DbSession, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``table``; how many were written.

    ``table`` and ``columns`` are identifiers from the code, never from input. A dict value
    is written as JSON (``jsonb`` columns).
    """
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver_connection(session).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Jsonb(value) if isinstance(value, dict) else value for value in row])
            count += 1
    return count


def reserve_ids(session: DbSession, table: str, count: int) -> list[int]:
    """``count`` ids drawn from ``table``'s ``id`` sequence in one statement, in order."""
    if count <= 0:
        return []
    result = session.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table, "n": count},
    )
    return sorted(int(value) for value in result.scalars())


__all__ = ["copy_rows", "copy_supported", "driver_connection", "reserve_ids"]
