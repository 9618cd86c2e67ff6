"""With a broker, a queued task is written in the transaction and handed over after the
commit; one left behind by a process that died is sent by the beat's sweep, and a task
sent twice runs once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from portal.core.after_commit import (
    allow_wake,
    enqueue_after_commit,
    publish_stranded,
    savepoint,
    wake_after_commit,
)
from portal.core.clock import now_utc
from portal.extensions import celery, db
from portal.models import PendingTask
from portal.worker import ping
from tests.factories import create_debtor

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Celery as in production (not eager); what would reach the broker is recorded."""
    sent: list[dict[str, Any]] = []

    def apply_async(self: Any, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        sent.append({"task": self.name, "args": list(args or ()), "kwargs": kwargs, **options})

    monkeypatch.setattr(type(celery.tasks["portal.ping"]), "apply_async", apply_async)
    monkeypatch.setitem(celery.conf, "task_always_eager", False)
    yield sent


def _pending() -> list[PendingTask]:
    return list(db.session.scalars(sa.select(PendingTask)))


def test_handed_over_after_commit_and_forgotten(app: Flask, broker: list[dict[str, Any]]) -> None:
    create_debtor()
    enqueue_after_commit(db.session, ping.name)
    assert [row.task for row in _pending()] == ["portal.ping"]  # in the same transaction
    assert broker == []
    db.session.commit()
    assert len(broker) == 1
    assert broker[0]["task"] == "portal.ping"
    assert len(broker[0]["task_id"]) == 32
    assert _pending() == []


def test_a_rollback_drops_it(app: Flask, broker: list[dict[str, Any]]) -> None:
    create_debtor()
    enqueue_after_commit(db.session, ping.name)
    db.session.rollback()
    assert broker == [] and _pending() == []


def test_a_process_that_died_after_its_commit_loses_nothing(
    app: Flask, broker: list[dict[str, Any]]
) -> None:
    create_debtor()
    enqueue_after_commit(db.session, ping.name)
    db.session.info.pop("portal.after_commit")  # the process dies before the hand-off
    db.session.commit()
    assert broker == []
    (row,) = _pending()
    assert publish_stranded(db.session, now_utc(), older_than=timedelta(seconds=15)) == 0
    sent = publish_stranded(db.session, now_utc() + timedelta(minutes=1), timedelta(seconds=15))
    db.session.commit()
    assert sent == 1
    assert [(b["task"], b["task_id"]) for b in broker] == [("portal.ping", row.id)]
    assert _pending() == []


@celery.task(name="tests.count_runs")
def count_runs(marker: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    client.incr(f"tests-runs:{marker}")
    client.expire(f"tests-runs:{marker}", 60)


def test_a_task_sent_twice_runs_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    monkeypatch.setitem(celery.conf, "task_always_eager", False)
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", REDIS_URL)
    app.extensions.pop("portal_task_redis", None)
    marker, task_id = uuid.uuid4().hex, uuid.uuid4().hex
    try:
        with app.app_context():
            count_runs.apply(args=[marker], task_id=task_id)
            count_runs.apply(args=[marker], task_id=task_id)  # the sweep sent it again
            count_runs.apply(args=[marker])  # an ordinary id: not deduplicated
    finally:
        app.extensions.pop("portal_task_redis", None)
    assert int(client.get(f"tests-runs:{marker}") or 0) == 2


def test_one_hand_over_per_transaction(app: Flask, broker: list[dict[str, Any]]) -> None:
    """Three tasks of one transaction: sent in order, their rows deleted in one statement."""
    create_debtor()
    for _ in range(3):
        enqueue_after_commit(db.session, ping.name)
    deletes: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM PENDING_TASKS"):
            deletes.append(statement)

    ids = [row.id for row in _pending()]
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        db.session.commit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert sorted(b["task_id"] for b in broker) == sorted(ids) and len(broker) == 3
    assert len(deletes) == 1
    assert _pending() == []


def test_a_failed_savepoint_drops_only_its_own_tasks(
    app: Flask, broker: list[dict[str, Any]]
) -> None:
    create_debtor()
    enqueue_after_commit(db.session, ping.name, "before")
    with pytest.raises(RuntimeError), savepoint(db.session):
        enqueue_after_commit(db.session, ping.name, "inside")
        raise RuntimeError("this event could not be applied")
    with savepoint(db.session):
        enqueue_after_commit(db.session, ping.name, "kept")
    db.session.commit()
    assert [b["args"] for b in broker] == [["before"], ["kept"]]
    assert _pending() == []


def test_a_failed_first_savepoint_leaves_the_next_tasks_a_hand_over(
    app: Flask, broker: list[dict[str, Any]]
) -> None:
    create_debtor()
    with pytest.raises(RuntimeError), savepoint(db.session):
        enqueue_after_commit(db.session, ping.name, "inside")
        raise RuntimeError("busy")
    enqueue_after_commit(db.session, ping.name, "after")
    db.session.commit()
    assert [b["args"] for b in broker] == [["after"]]
    assert _pending() == []


def test_wake_ups_are_one_in_flight(app: Flask, broker: list[dict[str, Any]]) -> None:
    """A thousand commits wake the worker once until it says it is taking its last look."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    key = f"tests-wake:{uuid.uuid4().hex}"
    previous = app.config["CELERY_BROKER_URL"]
    app.config["CELERY_BROKER_URL"] = REDIS_URL
    try:
        with app.app_context():
            app.extensions.pop("portal_wake_redis", None)
            for _ in range(3):
                create_debtor()
                wake_after_commit(db.session, ping.name, key)
                db.session.commit()
            assert len(broker) == 1  # the first commit woke it; the others found it awake
            allow_wake(key)
            create_debtor()
            wake_after_commit(db.session, ping.name, key)
            db.session.rollback()  # a rolled-back transaction wakes nobody
            assert len(broker) == 1
            create_debtor()
            wake_after_commit(db.session, ping.name, key)
            db.session.commit()
            assert len(broker) == 2
    finally:
        client.delete(key)
        app.config["CELERY_BROKER_URL"] = previous
        app.extensions.pop("portal_wake_redis", None)


def test_releasing_a_savepoint_sends_nothing_before_the_commit(
    app: Flask, broker: list[dict[str, Any]]
) -> None:
    """SQLAlchemy fires ``after_commit`` on a RELEASE SAVEPOINT as well: still nothing leaves
    until the outermost transaction commits, and a rollback then drops it all."""
    create_debtor()
    with savepoint(db.session):
        enqueue_after_commit(db.session, ping.name, "inside")
    with db.session.begin_nested():
        enqueue_after_commit(db.session, ping.name, "raw savepoint")
    assert broker == []
    db.session.rollback()
    assert broker == [] and _pending() == []
    create_debtor()
    with savepoint(db.session):
        enqueue_after_commit(db.session, ping.name, "inside")
    assert broker == []
    db.session.commit()
    assert [b["args"] for b in broker] == [["inside"]]


def test_a_raw_savepoint_rolled_back_keeps_what_was_queued_before_it(
    app: Flask, broker: list[dict[str, Any]]
) -> None:
    """SQLAlchemy fires ``after_rollback`` for a savepoint too: any ``begin_nested`` that fails
    drops only its own side effects, never the e-mails and tasks queued before it."""
    from portal.core.after_commit import call_after_commit

    ran: list[str] = []
    create_debtor()
    enqueue_after_commit(db.session, ping.name, "before")
    call_after_commit(db.session, lambda: ran.append("before"))
    with pytest.raises(RuntimeError), db.session.begin_nested():
        enqueue_after_commit(db.session, ping.name, "inside")
        call_after_commit(db.session, lambda: ran.append("inside"))
        raise RuntimeError("a conflict inside the savepoint")
    with db.session.begin_nested():
        enqueue_after_commit(db.session, ping.name, "after")
    db.session.commit()
    assert [b["args"] for b in broker] == [["before"], ["after"]]
    assert ran == ["before"]
    assert _pending() == []
