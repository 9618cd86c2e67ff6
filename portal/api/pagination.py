"""Cursor pagination over ``(updated_at, id)``: stable while rows change underneath.

A cursor is opaque to clients (``portal.api.rules.CURSOR``: the last row's time and id in
fixed-width hex); anything else answers 400 ``invalid_cursor``. Rows updated after a client
read them move to a later page, so polling with ``updated_since`` never misses one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import abort

from portal.api.rules import decode_cursor, encode_cursor
from portal.errors import problem

__all__ = ["decode_cursor", "encode_cursor", "page"]


def _invalid_cursor() -> None:
    abort(
        problem(
            400,
            "Bad Request",
            "The cursor is not one this API issued: send next_cursor exactly as it came.",
            code="invalid_cursor",
        )
    )


def page(
    statement: sa.Select[Any],
    updated_column: Any,
    id_column: Any,
    *,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
    session: Any,
) -> tuple[Sequence[Any], str | None]:
    if updated_since is not None:
        statement = statement.where(updated_column >= updated_since)
    if cursor is not None:
        try:
            when, row_id = decode_cursor(cursor)
        except ValueError:
            _invalid_cursor()
        statement = statement.where(sa.tuple_(updated_column, id_column) > sa.tuple_(when, row_id))
    rows = list(
        session.scalars(statement.order_by(updated_column, id_column).limit(limit + 1)).unique()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(last.updated_at, last.id)
    return rows, next_cursor
