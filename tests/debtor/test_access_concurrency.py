"""Scenario 1: the same magic link POSTed 20 times at once gives exactly one session."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from portal.extensions import db
from tests.access_helpers import debtor_with_items, events, magic_link
from tests.html import csrf_token, parse_page

pytestmark = pytest.mark.postgres


def test_twenty_parallel_posts_one_login(committed: Flask) -> None:
    with committed.app_context():
        debtor, _ = debtor_with_items()
        nonce = "c" * 32
        token = magic_link(debtor.id, nonce=nonce)
    clients = []
    for _ in range(20):
        client = committed.test_client()
        client.set_cookie("link_nonce", nonce, path="/entrar")
        page = parse_page(client.get(f"/entrar/{token}"))
        clients.append((client, csrf_token(page)))

    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def use(client, token_value: str) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        response = client.post(f"/entrar/{token}", data={"csrf_token": token_value})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=use, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [303] + [404] * 19
    with committed.app_context():
        assert len(events("link.used")) == 1
        assert len(events("auth.login")) == 1
        db.session.remove()


def test_parallel_wrong_answers_lock_at_exactly_five(committed: Flask) -> None:
    """Twenty wrong identity answers at once: the counter never skips or double-locks."""
    from tests.access_helpers import form_post, reminder_link

    with committed.app_context():
        debtor, creditor = debtor_with_items()
        token = reminder_link(debtor.id, creditor.id)
        wrong = "999" if debtor.document[:3] != "999" else "998"
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def attempt() -> None:
        client = committed.test_client()
        page = parse_page(client.get(f"/a/{token}"))
        barrier.wait()
        response = client.post(
            f"/a/{token}", data={"csrf_token": csrf_token(page), "digits": wrong}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(code in (400, 404) for code in statuses)
    with committed.app_context():
        assert len(events("link.locked")) == 1
        from portal.models import AccessLink

        link = db.session.query(AccessLink).one()
        assert link.locked_at is not None
        assert link.failed_attempts >= 5
        client = committed.test_client()
        assert form_post(client, f"/a/{token}", {"digits": debtor.document[:3]}).status_code == 404
        db.session.remove()
