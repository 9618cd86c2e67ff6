"""Issue 12: staff sign-in takes the same time whatever the account's state.

A locked account used to answer in ~6 ms against ~100 ms for the others (the password hash
was not checked), telling an attacker which accounts they had locked.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.extensions import db
from portal.models import StaffUser
from tests.access_helpers import events, make_staff
from tests.html import csrf_token, parse_page
from tests.timing import assert_same_time, interleaved_timings

ROUNDS = 9


def _poster(app: Flask, email: str):  # type: ignore[no-untyped-def]
    client: FlaskClient = app.test_client()
    token = csrf_token(parse_page(client.get("/atendimento/entrar")))

    def post() -> None:
        response = client.post(
            "/atendimento/entrar",
            data={
                "csrf_token": token,
                "email": email,
                "password": "wrong password!",
                "totp": "000000",
            },
        )
        assert response.status_code == 400

    return post


def test_unknown_wrong_password_locked_and_inactive_take_the_same_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_IP", "10000 per hour")
    active = make_staff(email="ativa@example.com", all_creditors=True)
    locked = make_staff(email="bloqueada@example.com", all_creditors=True)
    inactive = make_staff(email="inativa@example.com", all_creditors=True)
    inactive.is_active = False
    db.session.commit()
    ids = (active.id, locked.id)

    def reset() -> None:
        """Untimed: keep each account in its state (wrong passwords would lock the active one)."""
        db.session.expire_all()
        first, second = (db.session.get(StaffUser, i) for i in ids)
        assert first is not None and second is not None
        first.failed_logins, first.locked_until = 0, None
        second.locked_until = now_utc() + timedelta(minutes=15)
        db.session.commit()

    reset()
    variants = {
        "unknown": _poster(app, "ninguem@example.com"),
        "wrong password": _poster(app, "ativa@example.com"),
        "locked": _poster(app, "bloqueada@example.com"),
        "inactive": _poster(app, "inativa@example.com"),
    }
    for post in variants.values():  # warm up (first template render, first hash)
        post()
        reset()
    samples = interleaved_timings(variants, rounds=ROUNDS, between=reset)
    whys = Counter(str(e.details["why"]) for e in events("staff.login_failed"))
    assert whys == dict.fromkeys(["unknown", "password", "locked", "inactive"], ROUNDS + 1)
    assert_same_time(samples)
