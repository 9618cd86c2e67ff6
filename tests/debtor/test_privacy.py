"""LGPD self-service pages ("Meus dados", issue 16): export as JSON and PDF, a correction
request and message preferences per company, each behind a fresh code sent to that company's
contact; another company's pages are a 404."""

from __future__ import annotations

import io
import json
import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.extensions import db
from portal.models import DataRequest, OutboxEvent, ReminderOptOut
from tests.access_helpers import code_in, events
from tests.debtor.test_journey import sign_in
from tests.debtor.test_step_up import _send_code
from tests.factories import create_creditor, create_pending_item, relate
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world
from tests.smtp_server import SmtpServer


def _world(email: str = "pessoa@credora.example"):  # type: ignore[no-untyped-def]
    world = debt_world()
    relate(world.creditor, world.debtor, email=email, phone="+5511988887777", name="Ana Souza")
    db.session.commit()
    return world


def _post(client: FlaskClient, path: str, **fields: object):  # type: ignore[no-untyped-def]
    token = csrf_token(parse_page(client.get(path)))
    return client.post(path, data={"csrf_token": token, **fields})


def test_the_privacy_pages_of_a_company_not_proved_are_404(app: Flask, client: FlaskClient) -> None:
    mine, theirs = _world(), debt_world()
    sign_in(client, mine)
    base = f"/meus-dados/{mine.creditor.id}"
    assert client.get(f"{base}/lgpd").status_code == 200
    for suffix in ("lgpd", "exportar", "exportar/meus-dados.json", "correcao", "mensagens"):
        assert client.get(f"/meus-dados/{theirs.creditor.id}/{suffix}").status_code == 404
    assert client.get(f"{base}/exportar/meus-dados.xml").status_code == 404
    token = csrf_token(parse_page(client.get(f"{base}/lgpd")))
    for act in ("export", "correction", "preferences"):
        forged = client.post(
            f"/confirmacao/{act}/{theirs.creditor.id}/codigo",
            data={"csrf_token": token, "channel": "email"},
        )
        assert forged.status_code == 404, act
    page = client.get("/meus-dados").get_data(as_text=True)
    assert f"{base}/lgpd" in page


def test_export_needs_a_fresh_code_then_downloads_json_and_pdf(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = _world()
    other = create_creditor(legal_name="Outra Empresa S.A.", trade_name="Outra")
    create_pending_item(creditor=other, debtor=world.debtor, description="Segredo da outra")
    relate(other, world.debtor, email="outra@outra.example")
    db.session.commit()
    sign_in(client, world)
    path = f"/meus-dados/{world.creditor.id}/exportar"
    download = f"{path}/meus-dados.json"
    refused = client.get(download)
    assert refused.status_code == 303 and refused.headers["Location"].endswith(path)
    assert _post(client, path, code="123456").status_code == 400  # no code was sent
    _send_code(client, path)
    message = smtp_server.wait_for(1)[-1]
    assert message["To"] == "pessoa@credora.example"
    assert "exportar seus dados" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert _post(client, path, code=code_in(message)).status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "meus-dados.json" in page and "meus-dados.pdf" in page

    response = client.get(download)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"].startswith("no-store")
    assert re.match(
        r'attachment; filename="meus-dados-\d+-\d{4}-\d\d-\d\d\.json"',
        response.headers["Content-Disposition"],
    )
    data = json.loads(response.get_data(as_text=True))
    assert data["company"]["cnpj"] == world.creditor.cnpj_formatted
    assert data["contact"]["email"] == "pessoa@credora.example"
    assert data["contact"]["name"] == "Ana Souza"
    assert [i["original_amount_cents"] for i in data["pending_items"]] == [
        i.original_amount_cents for i in world.items
    ]
    assert data["communication"]["preferences"] == {"email": "on", "sms": "on", "whatsapp": "on"}
    text = response.get_data(as_text=True)
    assert world.debtor.document not in text  # the CPF only masked
    assert "Segredo da outra" not in text and "outra.example" not in text

    pdf = client.get(f"{path}/meus-dados.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    content = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert world.creditor.legal_name in content
    assert "Conta 1" in content and "pessoa@credora.example" in content
    assert [e.details["format"] for e in events("privacy.exported")] == ["json", "pdf"]


def test_a_correction_request_needs_a_code_and_reaches_the_company(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = _world()
    sign_in(client, world)
    path = f"/meus-dados/{world.creditor.id}/correcao"
    soup = parse_page(client.get(path))
    assert soup.find("textarea") is None  # the form comes after the code is sent
    forged = _post(client, path, field="name", details="Meu nome é Ana Sousa", code="000000")
    assert forged.status_code == 400
    _send_code(client, path)
    code = code_in(smtp_server.wait_for(1)[-1])
    empty = _post(client, path, field="name", details=" ", code=code)
    assert empty.status_code == 400
    done = _post(client, path, field="name", details="Meu nome é Ana Sousa, com S.", code=code)
    assert done.status_code == 303
    request = db.session.scalars(sa.select(DataRequest)).one()
    assert (request.creditor_id, request.field, request.status) == (
        world.creditor.id,
        "name",
        "open",
    )
    assert (request.due_on - request.created_at.date()).days in (14, 15)
    [event] = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "data_request.created")
    ).all()
    assert event.creditor_id == world.creditor.id
    assert event.data["data_request"]["details"] == "Meu nome é Ana Sousa, com S."
    assert len(events("data_request.created")) == 1
    page = client.get(f"/meus-dados/{world.creditor.id}/lgpd").get_data(as_text=True)
    assert "Meu nome é Ana Sousa, com S." in page and "Em análise" in page


def test_message_preferences_need_a_code_and_switch_one_company_off(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = _world()
    sign_in(client, world)
    path = f"/meus-dados/{world.creditor.id}/mensagens"
    assert _post(client, path, email="y", whatsapp="y", code="111111").status_code == 400
    assert db.session.scalars(sa.select(ReminderOptOut)).all() == []
    _send_code(client, path)
    code = code_in(smtp_server.wait_for(1)[-1])
    assert _post(client, path, email="y", whatsapp="y", code=code).status_code == 303
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(ReminderOptOut)).all()
    assert (row.channel, row.scope_creditor_id, row.source) == ("sms", world.creditor.id, "lgpd")
    page = client.get(f"/meus-dados/{world.creditor.id}/lgpd").get_data(as_text=True)
    assert "desligado para esta empresa" in page
    assert [e.details["scope"] for e in events("reminder.opted_out")] == ["company"]


def test_the_privacy_pages_in_english(app: Flask, client: FlaskClient) -> None:
    world = _world()
    sign_in(client, world)
    english = {"Accept-Language": "en"}
    base = f"/meus-dados/{world.creditor.id}"
    page = client.get(f"{base}/lgpd", headers=english).get_data(as_text=True)
    assert f"My data with {world.creditor.display_name}" in page
    assert "receiving" in page and "Download my data" in page
    for suffix, title in (
        ("exportar", "Download my data"),
        ("correcao", "Ask for a correction"),
        ("mensagens", "How to receive messages"),
    ):
        response = client.get(f"{base}/{suffix}", headers=english)
        assert response.status_code == 200 and title in response.get_data(as_text=True)
