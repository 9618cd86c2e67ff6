"""Cursor pagination over ``(updated_at, id)``: stable while rows change underneath.

A cursor is opaque to clients (base64url of the last row's time and id). Rows updated after
a client read them move to a later page, so polling with ``updated_since`` never misses one.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort

T = TypeVar("T")


def encode_cursor(updated_at: datetime, row_id: int) -> str:
    raw = f"{updated_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, _, row_id = base64.urlsafe_b64decode(padded).decode().partition("|")
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, int(row_id)
    except (ValueError, UnicodeDecodeError):
        abort(400, description="invalid cursor")


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
        if updated_since.tzinfo is None:
            abort(400, description="updated_since needs a time zone")
        statement = statement.where(updated_column >= updated_since)
    if cursor:
        when, row_id = decode_cursor(cursor)
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
