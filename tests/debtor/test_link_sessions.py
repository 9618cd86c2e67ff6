"""Links and the sessions they open (issue 11): a staff-issued link opens only the company chosen
when issuing, and only while its issuer may act for it; cancelling a link ends the sessions
it opened at once, on every app server (each request checks the database)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AccessLink, StaffUser
from tests.access_helpers import form_post, make_staff, reminder_link, staff_login
from tests.conftest import make_test_app
from tests.factories import create_creditor, create_pending_item
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world

REMINDER_URL = re.compile(r"https://portal\.test\.example(/a/[A-Za-z0-9_-]{22})")


def _enter(client: FlaskClient, token_path: str, document: str) -> None:
    assert form_post(client, token_path, {"digits": document[:3]}).status_code == 303


def _in(client: FlaskClient) -> bool:
    return client.get("/inicio").status_code == 200


def _staff_issues(staff_client: FlaskClient, debtor_id: int, creditor_id: int):  # type: ignore[no-untyped-def]
    path = f"/atendimento/devedores/{debtor_id}"
    return form_post(
        staff_client,
        path,
        {"creditor_id": str(creditor_id), "channel": "whatsapp", "days": "7"},
        action=f"{path}/links",
    )


def _shared():  # type: ignore[no-untyped-def]
    world = debt_world()
    other = create_creditor(legal_name="Segunda Credora S.A.", trade_name="Segunda")
    create_pending_item(creditor=other, debtor=world.debtor, external_reference="SEG-REF-1")
    db.session.commit()
    return world, other


def test_revoking_a_link_ends_the_sessions_it_opened_at_once(app: Flask) -> None:
    world = debt_world()
    first = reminder_link(world.debtor.id, world.creditor.id)
    second = reminder_link(world.debtor.id, world.creditor.id)
    phone, laptop, other = app.test_client(), app.test_client(), app.test_client()
    _enter(phone, f"/a/{first}", world.debtor.document)
    _enter(laptop, f"/a/{first}", world.debtor.document)
    _enter(other, f"/a/{second}", world.debtor.document)
    assert _in(phone) and _in(laptop) and _in(other)

    staff = app.test_client()
    assert staff_login(staff, make_staff(world.creditor)).status_code == 303
    link = db.session.scalars(sa.select(AccessLink).order_by(AccessLink.id)).first()
    assert link is not None
    path = f"/atendimento/devedores/{world.debtor.id}"
    assert form_post(staff, path, {}, action=f"{path}/links/{link.id}/revogar").status_code == 303

    for client in (phone, laptop):
        response = client.get("/inicio")
        assert response.status_code == 303 and response.headers["Location"] == "/"
        assert "Sua sessão terminou" in client.get("/").get_data(as_text=True)
        assert not _in(client)
    assert _in(other), "a session opened by another link goes on"
    assert phone.get(f"/a/{first}").status_code == 404


def test_a_staff_issued_link_opens_only_the_company_chosen(app: Flask) -> None:
    world, other = _shared()
    staff = app.test_client()
    assert staff_login(staff, make_staff(world.creditor, other)).status_code == 303
    issued = _staff_issues(staff, world.debtor.id, world.creditor.id)
    assert issued.status_code == 201
    path = REMINDER_URL.search(parse_page(issued).find("textarea").get_text()).group(1)
    visitor = app.test_client()
    _enter(visitor, path, world.debtor.document)
    home = visitor.get("/inicio").get_data(as_text=True)
    assert world.items[0].external_reference in home
    assert "SEG-REF-1" not in home and other.legal_name not in home


def test_staff_cannot_issue_for_a_company_outside_their_scope(app: Flask) -> None:
    world, other = _shared()
    staff = app.test_client()
    assert staff_login(staff, make_staff(world.creditor)).status_code == 303
    assert _staff_issues(staff, world.debtor.id, other.id).status_code == 400
    assert db.session.query(AccessLink).count() == 0


def test_a_staff_link_stops_opening_when_the_issuer_leaves_the_company(app: Flask) -> None:
    world, other = _shared()
    staff = app.test_client()
    agent = make_staff(world.creditor, other)
    assert staff_login(staff, agent).status_code == 303
    issued = _staff_issues(staff, world.debtor.id, world.creditor.id)
    path = REMINDER_URL.search(parse_page(issued).find("textarea").get_text()).group(1)
    moved = db.session.get_one(StaffUser, agent.id)
    moved.creditors = [other]
    db.session.commit()
    visitor = app.test_client()
    assert visitor.get(path).status_code == 404
    page = parse_page(visitor.get("/"))
    response = visitor.post(
        path, data={"csrf_token": csrf_token(page), "digits": world.debtor.document[:3]}
    )
    assert response.status_code == 404 and not _in(visitor)


@pytest.mark.postgres
def test_revoking_on_one_app_server_ends_the_session_on_another(
    committed: Flask, database_uri: str
) -> None:
    """Two app servers on one database: the session lives in a signed cookie, its links in
    the database; a revocation made on server 2 is seen by server 1 on its next request."""
    from portal.extensions import AppContextTask

    bound = AppContextTask.flask_app
    server_1, server_2 = committed, make_test_app(database_uri)
    AppContextTask.flask_app = bound  # the tasks stay with server 1, as before
    with server_1.app_context():
        world = debt_world()
        token = reminder_link(world.debtor.id, world.creditor.id)
        document = world.debtor.document
        debtor_id = world.debtor.id
        db.session.remove()
    browser = server_1.test_client()
    _enter(browser, f"/a/{token}", document)
    assert _in(browser)
    cookie = browser.get_cookie("session")
    assert cookie is not None
    elsewhere = server_2.test_client()
    elsewhere.set_cookie("session", cookie.value)
    assert _in(elsewhere), "the same session on server 2"

    with server_2.app_context():
        from portal.core.clock import now_utc
        from portal.core.context import SYSTEM
        from portal.services.access import revoke_link

        link = db.session.scalars(
            sa.select(AccessLink).where(AccessLink.debtor_id == debtor_id)
        ).one()
        revoke_link(db.session, link, actor=SYSTEM, now=now_utc())
        db.session.commit()
        db.session.remove()
    assert not _in(browser) and not _in(elsewhere)
    with server_2.app_context():
        db.engine.dispose()
