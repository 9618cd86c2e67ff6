"""Back-office integration page: API keys shown once, rotation, revocation, delivery replay."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.tokens import hash_key
from portal.extensions import db
from portal.models import (
    ApiKey,
    DeliveryStatus,
    OutboxEvent,
    StaffRole,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.access_helpers import events, make_staff, staff_login
from tests.factories import create_creditor
from tests.html import csrf_token, parse_page


def _admin(client: FlaskClient, *creditors: object, role: StaffRole = StaffRole.ADMIN) -> None:
    user = make_staff(*creditors, role=role, email=f"{role.value}@example.com")
    assert staff_login(client, user).status_code == 303


def test_admin_creates_a_key_shown_once(client: FlaskClient) -> None:
    creditor = create_creditor()
    db.session.commit()
    _admin(client, creditor)
    page_path = f"/atendimento/integracao/{creditor.id}"
    soup = parse_page(client.get(page_path))
    created = client.post(
        f"{page_path}/chaves", data={"csrf_token": csrf_token(soup), "name": "ERP"}
    )
    assert created.status_code == 201
    secret = parse_page(created).select_one("code.secret").get_text()
    key = db.session.scalars(sa.select(ApiKey)).one()
    assert key.secret_hash == hash_key(secret) and key.name == "ERP"
    again = client.get(page_path).get_data(as_text=True)
    assert secret not in again and key.prefix in again
    api = client.get("/api/v1/items", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    # the page links to a confirmation; only its button revokes, then redirects (PRG)
    confirm_path = f"{page_path}/chaves/{key.id}/revogar"
    assert confirm_path in again
    confirm = parse_page(client.get(confirm_path))
    assert "não pode ser desfeito" in confirm.get_text()
    assert events("api_key.revoked") == []
    revoke = client.post(confirm_path, data={"csrf_token": csrf_token(confirm)})
    assert revoke.status_code == 303
    assert revoke.headers["Location"].endswith(page_path)
    assert "revogada" in client.get(page_path).get_data(as_text=True)
    # a refresh of the POST changes nothing more; the confirmation is gone for a revoked key
    again_post = client.post(confirm_path, data={"csrf_token": csrf_token(confirm)})
    assert again_post.status_code == 303
    assert client.get(confirm_path).status_code == 404
    assert (
        client.get("/api/v1/items", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    assert [e.action for e in events("api_key.created")] == ["api_key.created"]
    assert len(events("api_key.revoked")) == 1


def test_scope_and_role(client: FlaskClient, app: Flask) -> None:
    mine, theirs = create_creditor(), create_creditor()
    db.session.commit()
    _admin(client, mine)
    assert client.get(f"/atendimento/integracao/{theirs.id}").status_code == 404
    agent = app.test_client()
    _admin(agent, mine, role=StaffRole.AGENT)
    assert agent.get(f"/atendimento/integracao/{mine.id}").status_code == 403


def test_dead_delivery_replayed_from_the_back_office(client: FlaskClient, app: Flask) -> None:
    creditor = create_creditor()
    endpoint = WebhookEndpoint(
        creditor_id=creditor.id,
        url="https://hooks.example.com/x",
        secret="whsec_" + "A" * 44,
        event_types=[],
    )
    db.session.add(endpoint)
    db.session.flush()
    event_id = "evt_backoffice_1"
    db.session.add(
        OutboxEvent(
            id=event_id,
            creditor_id=creditor.id,
            type="agreement.accepted",
            data={"id": 1},
            sequence=1,
        )
    )
    db.session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, event_id=event_id, status=DeliveryStatus.DEAD, attempts=8
    )
    db.session.add(delivery)
    db.session.commit()
    _admin(client, creditor)
    detail = f"/atendimento/integracao/{creditor.id}/entregas/{delivery.id}"
    soup = parse_page(client.get(detail))
    assert "agreement.accepted" in soup.get_text()
    replayed = client.post(f"{detail}/reenviar", data={"csrf_token": csrf_token(soup)})
    assert replayed.status_code == 303 and replayed.headers["Location"].endswith(detail)
    assert len(events("webhook_delivery.replayed")) == 1
    assert client.post(f"{detail}/reenviar", data={}).status_code == 400
