"""Issue 12: asking for a link takes the same time for a known and an unknown identifier.

The lookup (and the link, the audit record, the e-mail) used to happen in the request, so a
known identifier answered 6-11 ms later. Now the page answers at once and a task does the
lookup; the e-mail still arrives for the known ones.

Two checks: the request runs the very same database statements whatever the identifier
(exact), and its median CPU time is the same (timing, over many interleaved tries). CPU
time of the serving thread, not wall time: on a shared machine other processes stretch
wall time at random, by more than the difference we look for; the CPU time is the work the
request did, which is what a timing difference comes from.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.after_commit import wait_for_background_tasks
from portal.extensions import db
from portal.models import AccessLink
from tests.access_helpers import debtor_with_items, events
from tests.factories import contact_of
from tests.html import csrf_token, parse_page
from tests.timing import assert_same_time, interleaved_timings

ROUNDS = 60


@pytest.fixture
def asker(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[Iterator[str]], Callable]:  # type: ignore[type-arg]
    monkeypatch.setitem(app.config, "RATELIMIT_LINK_REQUEST_IP", "10000 per hour")
    # A plain client: the tests' ClosingClient would run the queued task inside the request.
    client = FlaskClient(app, app.response_class, use_cookies=True)
    token = csrf_token(parse_page(client.get("/")))

    def ask(identifiers: Iterator[str]) -> Callable[[], None]:
        def post() -> None:
            response = client.post(
                "/entrar", data={"csrf_token": token, "identifier": next(identifiers)}
            )
            assert response.status_code == 303

        return post

    return ask


def _known(count: int) -> Iterator[str]:
    return iter([str(contact_of(debtor_with_items()[0]).email) for _ in range(count)])


def _unknown() -> Iterator[str]:
    return (f"ninguem{n}@example.com" for n in itertools.count())


def test_the_request_runs_the_same_statements_for_any_identifier(app: Flask, asker) -> None:  # type: ignore[no-untyped-def]
    known, unknown = asker(_known(2)), asker(_unknown())
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(re.sub(r"sa_savepoint_\d+", "sa_savepoint", statement))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        seen = []
        for post in (known, unknown, known):
            statements.clear()
            post()
            seen.append(list(statements))
            wait_for_background_tasks()  # the lookup, afterwards: not part of the answer
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert seen[0] == seen[1] == seen[2]
    assert len(events("link.requested")) == 3  # the tasks did look the identifiers up


def test_known_and_unknown_identifiers_take_the_same_time(asker) -> None:  # type: ignore[no-untyped-def]
    variants = {"known": asker(_known(ROUNDS + 1)), "unknown": asker(_unknown())}
    for post in variants.values():  # warm up
        post()
        wait_for_background_tasks()
    samples = interleaved_timings(
        variants, rounds=ROUNDS, between=wait_for_background_tasks, clock=time.thread_time
    )
    assert_same_time(samples, relative=0.2, absolute_ms=0.5)
    # The work was done, after the answers: one link per known identifier.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink)) == ROUNDS + 1
    assert len(events("link.requested")) == 2 * (ROUNDS + 1)
