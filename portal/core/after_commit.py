"""Side effects (e-mail, webhooks, tasks) that leave only after the database commit.

A service that wants something to happen once its change is durable calls
:func:`call_after_commit` or :func:`enqueue_after_commit`. The callbacks are kept on the
session and run after a successful commit; a rollback discards them, so a failed request
never sends an e-mail about something that did not happen.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core import DbSession
from portal.extensions import celery
from portal.models import PendingTask

log = logging.getLogger(__name__)
_KEY = "portal.after_commit"
_HANDOVER = "portal.after_commit.handover"


def call_after_commit(session: DbSession, callback: Callable[[], Any]) -> None:
    # Make sure a transaction is open: a rollback of a session that had none fires no
    # event, and the callback would then survive to the next, unrelated commit.
    session.connection()
    session.info.setdefault(_KEY, []).append(callback)


@contextmanager
def savepoint(session: DbSession) -> Iterator[None]:
    """``session.begin_nested()`` whose after-commit effects share its fate: if the block
    fails, the savepoint is rolled back and what it queued (e-mails, tasks) is dropped, while
    what the transaction queued before it stays."""
    callbacks = list(session.info.get(_KEY, ()))
    batch = session.info.get(_HANDOVER)
    tasks = list(batch.tasks) if batch is not None else []
    try:
        with session.begin_nested():
            yield
    except BaseException:
        session.info[_KEY] = callbacks
        if batch is not None:
            batch.tasks[:] = tasks
        if batch is None or batch not in callbacks:
            session.info.pop(_HANDOVER, None)
        raise


def enqueue_after_commit(session: DbSession, task: str, *args: Any, **kwargs: Any) -> None:
    """Send the Celery task named ``task`` once the transaction commits.

    Services queue tasks by name: the task is looked up in Celery's registry only when it
    is sent, so a service never imports the ``tasks`` module that imports it.

    With a broker the task is also written in the transaction (``PendingTask``) and handed
    to the broker right after the commit, then the row is deleted: if the process dies in
    between (a crashed or killed app server), the beat's sweep (:func:`publish_stranded`)
    sends it later, so a committed change never loses its e-mail or webhook. In the embedded
    default (eager Celery) a task queued during a web request runs on a small background
    thread, as a worker would: the person does not wait for the e-mail, and a request that
    sends one takes as long as one that does not (requirements.md A10). Outside a request
    (CLI, tasks) it runs inline.
    """
    if celery.conf.task_always_eager:
        call_after_commit(session, lambda: _dispatch(celery.tasks[task], args, kwargs))
        return
    row_id = uuid.uuid4().hex
    session.add(PendingTask(id=row_id, task=task, args=list(args), kwargs=dict(kwargs)))
    batch = session.info.get(_HANDOVER)
    if batch is None or batch not in session.info.get(_KEY, ()):
        # One hand-over per transaction: every task it queued, then one DELETE of their rows
        # (a payment queues five: one transaction after the commit instead of five).
        batch = _Handover(session.get_bind())
        session.info[_HANDOVER] = batch
        call_after_commit(session, batch)
    batch.tasks.append((task, row_id, args, kwargs))


def wake_after_commit(session: DbSession, task: str, key: str, *, window_s: int = 30) -> None:
    """Send the argument-less task ``task`` after the commit, unless a wake-up is in flight.

    For a worker that drains rows the transaction wrote (an inbox): the rows are the durable
    record, this only wakes the worker, so it is not kept in the transaction (a wake-up lost
    to a crash is made up by a beat entry). With Redis as the broker, ``key`` (``SET NX``,
    expiring after ``window_s``) lets one wake-up through until the task calls
    :func:`allow_wake` right before its last look at the rows: a burst of 1,000 commits sends
    one task, not 1,000. In the embedded default (eager) it is dispatched like any task.
    """
    if celery.conf.task_always_eager:
        call_after_commit(session, lambda: _dispatch(celery.tasks[task], (), {}))
        return
    call_after_commit(session, lambda: _wake(task, key, window_s))


def _wake_redis() -> Any:
    broker = str(current_app.config.get("CELERY_BROKER_URL") or "")
    if not broker.startswith(("redis://", "rediss://", "unix://")):
        return None
    client = current_app.extensions.get("portal_wake_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(broker)
        current_app.extensions["portal_wake_redis"] = client
    return client


def _wake(task: str, key: str, window_s: int) -> None:
    client = _wake_redis()
    if client is None or client.set(key, 1, nx=True, ex=window_s):
        celery.tasks[task].apply_async()


def allow_wake(key: str) -> None:
    """The woken task is about to look for work one last time: the next commit wakes it again."""
    if celery.conf.task_always_eager:
        return
    client = _wake_redis()
    if client is not None:
        client.delete(key)


class _Handover:
    """The tasks one transaction queued: sent to the broker after its commit, their rows then
    deleted in one statement. A task the broker refused keeps its row (the beat sends it)."""

    def __init__(self, bind: Any) -> None:
        self.bind = bind
        self.tasks: list[tuple[str, str, Any, dict[str, Any]]] = []

    def __call__(self) -> None:
        sent = []
        try:
            for task, row_id, args, kwargs in self.tasks:
                celery.tasks[task].apply_async(args=args, kwargs=kwargs, task_id=row_id)
                sent.append(row_id)
        finally:
            if sent:
                _delete_rows(self.bind, sent)


def _delete_rows(bind: Any, row_ids: list[str]) -> None:
    statement = sa.delete(PendingTask).where(PendingTask.id.in_(row_ids))
    if isinstance(bind, sa.Engine):
        with bind.begin() as connection:
            connection.execute(statement)
    else:  # a session bound to one connection (the tests'): its transaction goes on
        bind.execute(statement)


def publish_stranded(session: DbSession, now: datetime, older_than: timedelta) -> int:
    """Send the tasks whose process died between its commit and the hand-off (beat)."""
    rows = session.scalars(
        sa.select(PendingTask)
        .where(PendingTask.created_at < now - older_than)
        .order_by(PendingTask.created_at)
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        celery.tasks[row.task].apply_async(args=row.args, kwargs=row.kwargs, task_id=row.id)
        session.delete(row)
    if rows:
        log.warning("published %d task(s) left behind by a process that stopped", len(rows))
    return len(rows)


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pending: list[Future[None]] = []


def _background() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-eager")
        return _executor


def _run_in_app(app: Any, task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        with app.app_context():
            task.apply_async(args=args, kwargs=kwargs)
    except Exception:  # nobody is waiting for it: log, as a worker would
        log.exception("background task %s failed", getattr(task, "name", task))


_held: list[tuple[Any, Any, tuple[Any, ...], dict[str, Any]]] = []


def _dispatch(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if task.app.conf.task_always_eager and has_request_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if app.config.get("TESTING"):
            # Tests share one database connection between every session: instead of a
            # thread, hold the task until the test client has finished the request.
            with _executor_lock:
                _held.append((app, task, args, kwargs))
            return
        future = _background().submit(_run_in_app, app, task, args, kwargs)
        with _executor_lock:
            _pending[:] = [f for f in _pending if not f.done()] + [future]
    else:
        task.apply_async(args=args, kwargs=kwargs)


def wait_for_background_tasks(timeout: float = 30) -> None:
    """Run (tests) or wait for (threads) the eager tasks queued by requests so far."""
    while True:
        with _executor_lock:
            if not _held:
                break
            app, task, args, kwargs = _held.pop(0)
        _run_in_app(app, task, args, kwargs)
    with _executor_lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


def pending_callbacks(session: DbSession) -> int:
    return len(session.info.get(_KEY, ()))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy fires after_commit when a SAVEPOINT is released too: nothing is durable
        # until the outermost transaction commits (the worker applies each provider event in
        # a savepoint; its e-mails must not leave before the batch commits).
        return
    session.info.pop(_HANDOVER, None)
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the commit stands; a failed side effect is logged, not raised
            log.exception("after-commit side effect failed")


_MARKS = "portal.after_commit.savepoints"


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: Any) -> None:
    # Every savepoint (``begin_nested``) remembers how much had been queued when it began, so
    # that its rollback drops only what was queued inside it.
    if transaction.nested:
        batch = session.info.get(_HANDOVER)
        marks = session.info.setdefault(_MARKS, {})
        marks[id(transaction)] = (
            len(session.info.get(_KEY, ())),
            batch,
            len(batch.tasks) if batch is not None else 0,
        )


@event.listens_for(Session, "after_transaction_end")
def _forget_savepoint(session: Session, transaction: Any) -> None:
    if transaction.nested:
        session.info.get(_MARKS, {}).pop(id(transaction), None)


@event.listens_for(Session, "after_rollback")
def _discard_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint rolled back (SQLAlchemy fires after_rollback for it too): what the
        # transaction queued before the savepoint still leaves after the outermost commit.
        nested = session.get_nested_transaction()
        mark = session.info.get(_MARKS, {}).get(id(nested))
        if mark is not None:
            count, batch, tasks = mark
            callbacks = session.info.get(_KEY)
            if callbacks is not None:
                del callbacks[count:]
            if batch is not None:
                del batch.tasks[tasks:]
            if batch is None or batch not in session.info.get(_KEY, ()):
                session.info.pop(_HANDOVER, None)
            else:
                session.info[_HANDOVER] = batch
        return
    session.info.pop(_KEY, None)
    session.info.pop(_HANDOVER, None)
    session.info.pop(_MARKS, None)
