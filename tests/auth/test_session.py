"""Sessions enforced on the server: rotation, logout, timeouts, blocking (scenarios 12–15)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.services.access import set_access_blocked
from tests.access_helpers import debtor_with_items, events, form_post, reminder_link, signed_in
from tests.conftest import make_test_app
from tests.html import csrf_token, parse_page


def _cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _enter(client: FlaskClient):  # type: ignore[no-untyped-def]
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    form_post(client, f"/a/{token}", {"digits": debtor.document[:3]})
    return debtor


def test_login_rotates_the_session(client: FlaskClient, app: Flask) -> None:
    """Scenario 12: a cookie planted before login gets no rights after it."""
    client.get("/")
    planted = _cookie(client)
    debtor = _enter(client)
    assert _cookie(client) != planted
    attacker = app.test_client()
    attacker.set_cookie("session", str(planted))
    assert not signed_in(attacker)
    assert debtor.id


def test_logout_kills_the_cookie_on_the_server(client: FlaskClient, app: Flask) -> None:
    """Scenario 13: the old cookie replayed after logout is refused."""
    _enter(client)
    stolen = _cookie(client)
    home = parse_page(client.get("/inicio"))
    out = client.post("/sair", data={"csrf_token": csrf_token(home)})
    assert out.status_code == 303
    assert "cache" in out.headers["Clear-Site-Data"]
    replay = app.test_client()
    replay.set_cookie("session", str(stolen))
    assert replay.get("/inicio").status_code == 303
    assert len(events("auth.logout")) == 1


def test_idle_timeout(client: FlaskClient) -> None:
    """Scenario 14a: 15 min + 1 s without a request ends the session."""
    _enter(client)
    start = now_utc()
    with time_machine.travel(start + timedelta(minutes=14, seconds=59)):
        assert signed_in(client)
    with time_machine.travel(
        start + timedelta(minutes=14, seconds=59) + timedelta(minutes=15, seconds=1)
    ):
        response = client.get("/inicio")
        assert response.status_code == 303
        follow = client.get(response.headers["Location"])
        assert "Sua sessão terminou por segurança" in follow.get_data(as_text=True)


def test_absolute_timeout_even_when_active(client: FlaskClient) -> None:
    """Scenario 14b: active every 10 minutes, still out after 2 hours."""
    _enter(client)
    start = now_utc()
    for minutes in range(10, 120, 10):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert signed_in(client), minutes
    with time_machine.travel(start + timedelta(minutes=120, seconds=2)):
        assert not signed_in(client)


def test_blocking_a_debtor_ends_open_sessions(client: FlaskClient) -> None:
    """Scenario 15."""
    debtor = _enter(client)
    assert signed_in(client)
    set_access_blocked(db.session, debtor, True, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert not signed_in(client)


def test_cookie_flags(client: FlaskClient) -> None:
    _enter(client)
    cookie = client.get("/inicio").headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_secure_host_cookie_outside_development(database_uri: str) -> None:
    app = make_test_app(database_uri, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie


def test_authenticated_pages_are_not_cached(client: FlaskClient) -> None:
    _enter(client)
    assert client.get("/inicio").headers["Cache-Control"] == "no-store, max-age=0"
