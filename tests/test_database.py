"""The pool pings a PostgreSQL connection only after it sat idle (portal.database)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.database import engine_options, ping_when_idle

IDLE = 0.2


def _engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[sa.Engine, list[Any]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'pool.sqlite'}", poolclass=sa.QueuePool)
    pings: list[Any] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    ping_when_idle(engine, idle_seconds=IDLE)
    return engine, pings


def _used(engine: sa.Engine) -> Any:
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        return conn.connection.dbapi_connection


def test_a_connection_back_a_moment_ago_is_not_pinged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, pings = _engine(tmp_path, monkeypatch)
    first = _used(engine)
    for _ in range(5):
        assert _used(engine) is first  # the same pooled connection, no round trip first
    assert pings == []
    time.sleep(IDLE * 1.5)
    assert _used(engine) is first
    assert pings == [first]  # idle too long: pinged once before use


def test_an_idle_connection_that_fails_its_ping_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _pings = _engine(tmp_path, monkeypatch)
    first = _used(engine)
    time.sleep(IDLE * 1.5)

    def dead(_dbapi_connection: Any) -> bool:
        raise sqlite3.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(engine.dialect, "do_ping", dead)
    replacement = _used(engine)  # no error reaches the caller
    assert replacement is not first


def test_postgresql_pool_has_no_ping_per_checkout() -> None:
    options = engine_options("postgresql+psycopg://postgres@127.0.0.1:5432/portal")
    assert "pool_pre_ping" not in options
    assert options["pool_recycle"] == 1800
