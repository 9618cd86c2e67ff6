"""The one unit of work: views, API requests, tasks and CLI commands commit through it.

Services flush and never commit. The caller wraps its use case in :func:`unit_of_work`
(or decorates it with :func:`transactional`): one commit on success, a rollback on any
error, and the after-commit effects (:mod:`portal.core.after_commit`) leave only after the
commit. A flow that must keep a step even when the next one fails (a one-time code that
was used) is two units of work, one after the other, each a service call of its own.
A long job that must not be one transaction (a CSV file of 100,000 rows) is a service that
works in steps (a generator that flushes and yields after each step); the caller runs each
step in a unit of work of its own with :func:`unit_per_step`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from portal.core import DbSession
from portal.extensions import db

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


@contextmanager
def unit_of_work(session: DbSession | None = None) -> Iterator[DbSession]:
    """Commit once when the block ends normally; roll back (and re-raise) on any error."""
    session = db.session if session is None else session
    try:
        yield session
        session.commit()  # a failing commit (a constraint at the final flush) rolls back too
    except BaseException:
        session.rollback()
        raise


def transactional(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` (a view, a task body, a CLI command) in one unit of work."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return function(*args, **kwargs)

    return wrapper


def unit_per_step(steps: Iterator[T], session: DbSession | None = None) -> Iterator[T]:
    """Run each step of a stepwise service in its own unit of work.

    ``steps`` is the service's generator: it flushes, yields after each step and never
    commits. Each step is committed before what it yielded is handed on; an error rolls
    back the step it happened in (the steps before it stay committed) and propagates.
    """
    while True:
        with unit_of_work(session):
            try:
                item = next(steps)
            except StopIteration:
                return
        yield item
