"""Staff login: password and TOTP both required, lock-out, no replay, safe redirects."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.extensions import db
from portal.models import StaffUser
from tests.access_helpers import events, form_post, make_staff, staff_login
from tests.factories import create_creditor
from tests.html import csrf_token, parse_page


def _staff() -> StaffUser:
    return make_staff(create_creditor())


def test_password_and_totp_log_in(client: FlaskClient) -> None:
    user = _staff()
    response = staff_login(client, user)
    assert response.status_code == 303
    assert response.headers["Location"] == "/atendimento/"
    assert client.get("/atendimento/").status_code == 200
    assert len(events("staff.login")) == 1


def test_login_without_totp_fails(client: FlaskClient) -> None:
    user = _staff()
    response = form_post(
        client,
        "/atendimento/entrar",
        {"email": user.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 400
    assert client.get("/atendimento/").status_code == 303


def test_wrong_totp_or_password_fails_with_one_message(client: FlaskClient) -> None:
    user = _staff()
    bad_code = staff_login(
        client, user, totp="000000" if pyotp.TOTP(user.totp_secret).now() != "000000" else "111111"
    )
    bad_password = staff_login(client, user, password="wrong password!!")
    unknown = form_post(
        client,
        "/atendimento/entrar",
        {"email": "ninguem@example.com", "password": "x" * 12, "totp": "123456"},
    )
    texts = {
        r.get_data(as_text=True).count("E-mail, senha ou código inválidos")
        for r in (bad_code, bad_password, unknown)
    }
    assert texts == {1}
    assert {r.status_code for r in (bad_code, bad_password, unknown)} == {400}
    assert [e.details["why"] for e in events("staff.login_failed")] == [
        "totp",
        "password",
        "unknown",
    ]


def test_a_totp_code_cannot_be_replayed(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    user = _staff()
    code = pyotp.TOTP(user.totp_secret).now()
    assert staff_login(client, user, totp=code).status_code == 303
    assert staff_login(app.test_client(), user, totp=code).status_code == 400


def test_lockout_after_five_failures(client: FlaskClient) -> None:
    user = _staff()
    for _ in range(5):
        staff_login(client, user, password="wrong password!!")
    db.session.refresh(user)
    assert user.locked_until is not None
    assert staff_login(client, user).status_code == 400  # right credentials, still locked
    assert len(events("staff.locked")) == 1
    with time_machine.travel(now_utc() + timedelta(minutes=16)):
        assert staff_login(client, user).status_code == 303


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/", "/inicio", "/\\evil.example"]
)
def test_next_only_inside_the_back_office(client: FlaskClient, target: str) -> None:
    """Scenario 11: next=//evil.example and https://evil.example go to the dashboard."""
    user = _staff()
    page = parse_page(client.get("/atendimento/entrar", query_string={"next": target}))
    response = client.post(
        "/atendimento/entrar",
        query_string={"next": target},
        data={
            "csrf_token": csrf_token(page),
            "email": user.email,
            "password": "correct horse battery staple",
            "totp": pyotp.TOTP(user.totp_secret).now(),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/atendimento/"


def test_next_within_the_back_office_is_kept(client: FlaskClient) -> None:
    user = _staff()
    page = parse_page(client.get("/atendimento/entrar?next=/atendimento/devedores/1"))
    response = client.post(
        "/atendimento/entrar?next=/atendimento/devedores/1",
        data={
            "csrf_token": csrf_token(page),
            "email": user.email,
            "password": "correct horse battery staple",
            "totp": pyotp.TOTP(user.totp_secret).now(),
        },
    )
    assert response.headers["Location"] == "/atendimento/devedores/1"


def test_staff_pages_need_login(client: FlaskClient) -> None:
    response = client.get("/atendimento/")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/atendimento/entrar")


def test_staff_idle_timeout_is_30_minutes(client: FlaskClient) -> None:
    user = _staff()
    staff_login(client, user)
    start = now_utc()
    with time_machine.travel(start + timedelta(minutes=29)):
        assert client.get("/atendimento/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31)):
        assert client.get("/atendimento/").status_code == 303
