"""Staff find debtors within their creditors and issue, list and revoke access links."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.domain.documents import format_cpf
from portal.extensions import db
from portal.models import AccessLink, StaffRole
from tests.access_helpers import (
    debtor_with_items,
    events,
    form_post,
    make_staff,
    signed_in,
    staff_login,
)
from tests.factories import contact_of, create_creditor, create_pending_item
from tests.html import csrf_token, parse_page
from tests.smtp_server import SmtpServer

REMINDER_URL = re.compile(r"https://portal\.test\.example(/a/[A-Za-z0-9_-]{22})")


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    """Creditor A and B; debtor_a owes A, debtor_b owes only B, debtor_ab owes both."""
    a = create_creditor(trade_name="Credora A", legal_name="Credora A S.A.")
    b = create_creditor(trade_name="Credora B", legal_name="Credora B S.A.")
    debtor_a, _ = debtor_with_items(creditor=a, name="Alice Almeida")
    debtor_b, _ = debtor_with_items(creditor=b, name="Bruno Barros")
    debtor_ab, _ = debtor_with_items(creditor=a, name="Carla Costa")
    create_pending_item(creditor=b, debtor=debtor_ab)
    db.session.commit()
    return {"a": a, "b": b, "debtor_a": debtor_a, "debtor_b": debtor_b, "debtor_ab": debtor_ab}


def _agent_of(client: FlaskClient, *creditors, role=StaffRole.AGENT):  # type: ignore[no-untyped-def]
    user = make_staff(*creditors, role=role)
    assert staff_login(client, user).status_code == 303
    return user


@pytest.mark.parametrize("query", ["name", "cpf", "formatted", "email"])
def test_search_within_scope(client: FlaskClient, world, query: str) -> None:  # type: ignore[no-untyped-def]
    _agent_of(client, world["a"])
    for key, expected in (("debtor_a", True), ("debtor_b", False)):
        debtor = world[key]
        q = {
            "name": contact_of(debtor).name.split()[0],
            "cpf": debtor.document,
            "formatted": format_cpf(debtor.document),
            "email": contact_of(debtor).email,
        }[query]
        page = parse_page(form_post(client, "/atendimento/", {"q": q}))
        found = [a.get_text() for a in page.select(".result-list a")]
        assert (contact_of(debtor).name in found) is expected, (key, query)
        assert debtor.document not in page.get_text(), "the full CPF is never shown"


def test_other_creditors_debtor_is_a_404_everywhere(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    """Staff of A cannot find, see, or issue links for a debtor who owes only B."""
    _agent_of(client, world["a"])
    debtor_b = world["debtor_b"]
    assert client.get(f"/atendimento/devedores/{debtor_b.id}").status_code == 404
    own = parse_page(client.get(f"/atendimento/devedores/{world['debtor_a'].id}"))
    token = csrf_token(own)
    issued = client.post(
        f"/atendimento/devedores/{debtor_b.id}/links",
        data={"csrf_token": token, "creditor_id": world["b"].id, "channel": "sms", "days": 7},
    )
    assert issued.status_code == 404
    assert db.session.query(AccessLink).count() == 0
    blocked = client.post(
        f"/atendimento/devedores/{debtor_b.id}/bloqueio",
        data={"csrf_token": token, "acao": "bloquear"},
    )
    assert blocked.status_code == 404


def test_shared_debtor_only_shows_creditors_in_scope(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _agent_of(client, world["a"])
    page = parse_page(client.get(f"/atendimento/devedores/{world['debtor_ab'].id}"))
    options = [o.get_text() for o in page.select("select[name=creditor_id] option")]
    assert options == ["Credora A"]
    assert "Credora B" not in page.get_text()
    token = csrf_token(page)
    response = client.post(
        f"/atendimento/devedores/{world['debtor_ab'].id}/links",
        data={"csrf_token": token, "creditor_id": world["b"].id, "channel": "sms", "days": 7},
    )
    assert response.status_code == 400  # creditor B is not a valid choice


def test_issue_for_whatsapp_shows_the_link_once(client: FlaskClient, app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    _agent_of(client, world["a"])
    debtor = world["debtor_a"]
    path = f"/atendimento/devedores/{debtor.id}"
    response = form_post(
        client,
        path,
        {"creditor_id": str(world["a"].id), "channel": "whatsapp", "days": "10"},
        action=f"{path}/links",
    )
    assert response.status_code == 201
    page = parse_page(response)
    message = page.find("textarea").get_text()
    link_path = REMINDER_URL.search(message).group(1)
    assert f"Olá, {contact_of(debtor).first_name}" in message and "mensagem de Credora A" in message
    assert "R$" not in message and debtor.document not in message
    # never shown again
    again = client.get(path).get_data(as_text=True)
    assert link_path not in again
    # and it works for the debtor
    visitor = app.test_client()
    assert form_post(visitor, link_path, {"digits": debtor.document[:3]}).status_code == 303
    assert signed_in(visitor)
    link = db.session.query(AccessLink).one()
    assert (link.channel, link.creditor_id) == ("whatsapp", world["a"].id)
    assert (link.expires_at - link.created_at).days == 10
    [issued] = events("link.issued")
    assert issued.actor_type == "staff" and issued.creditor_id == world["a"].id


def test_sms_text_is_short(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _agent_of(client, world["a"])
    path = f"/atendimento/devedores/{world['debtor_a'].id}"
    response = form_post(
        client,
        path,
        {"creditor_id": str(world["a"].id), "channel": "sms", "days": "7"},
        action=f"{path}/links",
    )
    message = parse_page(response).find("textarea").get_text()
    assert len(message) <= 160, len(message)


def test_issue_by_email_sends_it_and_shows_nothing(
    smtp_app: Flask,
    smtp_server: SmtpServer,
    client: FlaskClient,
    world,  # type: ignore[no-untyped-def]
) -> None:
    _agent_of(client, world["a"])
    debtor = world["debtor_a"]
    path = f"/atendimento/devedores/{debtor.id}"
    response = form_post(
        client,
        path,
        {"creditor_id": str(world["a"].id), "channel": "email", "days": "7"},
        action=f"{path}/links",
    )
    assert response.status_code == 201
    assert not REMINDER_URL.search(response.get_data(as_text=True))
    [message] = smtp_server.wait_for(1)
    text = message.get_body(("plain",)).get_content()
    assert REMINDER_URL.search(text)
    assert "Credora A S.A." in text and "R$" not in text


@pytest.mark.parametrize("days", ["0", "31", "abc", ""])
def test_validity_is_checked(client: FlaskClient, world, days: str) -> None:  # type: ignore[no-untyped-def]
    _agent_of(client, world["a"])
    path = f"/atendimento/devedores/{world['debtor_a'].id}"
    response = form_post(
        client,
        path,
        {"creditor_id": str(world["a"].id), "channel": "sms", "days": days},
        action=f"{path}/links",
    )
    assert response.status_code == 400
    assert db.session.query(AccessLink).count() == 0


def test_revoke(client: FlaskClient, app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    _agent_of(client, world["a"])
    debtor = world["debtor_a"]
    path = f"/atendimento/devedores/{debtor.id}"
    issued = form_post(
        client,
        path,
        {"creditor_id": str(world["a"].id), "channel": "sms", "days": "7"},
        action=f"{path}/links",
    )
    link_path = REMINDER_URL.search(parse_page(issued).find("textarea").get_text()).group(1)
    link = db.session.query(AccessLink).one()
    revoke = form_post(client, path, {}, action=f"{path}/links/{link.id}/revogar")
    assert revoke.status_code == 303
    assert "cancelado" in client.get(path).get_data(as_text=True)
    assert app.test_client().get(link_path).status_code == 404
    assert len(events("link.revoked")) == 1


def test_viewer_cannot_issue(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _agent_of(client, world["a"], role=StaffRole.VIEWER)
    path = f"/atendimento/devedores/{world['debtor_a'].id}"
    page = parse_page(client.get(path))
    assert page.find("form", attrs={"action": f"{path}/links"}) is None
    response = client.post(
        f"{path}/links",
        data={
            "csrf_token": csrf_token(page),
            "creditor_id": world["a"].id,
            "channel": "sms",
            "days": 7,
        },
    )
    assert response.status_code == 403


def test_block_ends_the_debtors_sessions(client: FlaskClient, app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    """Scenario 15 through the back-office."""
    debtor = world["debtor_a"]
    _agent_of(client, world["a"])
    path = f"/atendimento/devedores/{debtor.id}"
    issued = form_post(
        client,
        path,
        {"creditor_id": str(world["a"].id), "channel": "sms", "days": "7"},
        action=f"{path}/links",
    )
    link_path = REMINDER_URL.search(parse_page(issued).find("textarea").get_text()).group(1)
    debtor_browser = app.test_client()
    form_post(debtor_browser, link_path, {"digits": debtor.document[:3]})
    assert signed_in(debtor_browser)
    form_post(client, path, {"acao": "bloquear"}, action=f"{path}/bloqueio")
    assert not signed_in(debtor_browser)
    assert form_post(debtor_browser, link_path, {"digits": debtor.document[:3]}).status_code == 404
    form_post(client, path, {"acao": "liberar"}, action=f"{path}/bloqueio")
    assert form_post(debtor_browser, link_path, {"digits": debtor.document[:3]}).status_code == 303
