"""The back-office LGPD queue (issue 16): the staff member's companies only, the 15-day
deadline with overdue requests highlighted, and "concluir" with the answer the debtor reads,
its audit record and the company's ``data_request.completed`` webhook."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import DataRequest, DataRequestField, OutboxEvent, StaffRole
from portal.services.privacy import request_correction
from tests.access_helpers import events, form_post, make_staff, staff_login
from tests.factories import contact_of
from tests.html import parse_page
from tests.journey_helpers import debt_world
from tests.smtp_server import SmtpServer


def _request(world, days_ago: int, details: str) -> DataRequest:  # type: ignore[no-untyped-def]
    row = request_correction(
        db.session,
        world.creditor,
        world.debtor,
        DataRequestField.ITEM,
        details,
        actor=SYSTEM,
        now=now_utc() - timedelta(days=days_ago),
    )
    db.session.commit()
    return row


def test_queue_shows_own_companies_with_the_deadline_and_overdue_first(
    client: FlaskClient,
) -> None:
    mine, theirs = debt_world(), debt_world()
    late = _request(mine, 20, "Valor errado na conta de março")
    fresh = _request(mine, 1, "Data de vencimento errada")
    hidden = _request(theirs, 30, "Pedido de outra empresa")
    staff_login(client, make_staff(mine.creditor, role=StaffRole.VIEWER))
    soup = parse_page(client.get("/atendimento/lgpd"))
    rows = soup.select("tbody tr")
    assert [r.th.get_text(strip=True) for r in rows] == [f"nº {late.id}", f"nº {fresh.id}"]
    assert "request--overdue" in rows[0]["class"]
    assert not rows[1].get("class")
    assert "atrasado" in rows[0].get_text() and "faltam 14 dias" in rows[1].get_text()
    assert "1 pedido passou do prazo." in soup.get_text()
    assert client.get(f"/atendimento/lgpd/{hidden.id}").status_code == 404
    page = client.get(f"/atendimento/lgpd/{late.id}")
    assert page.status_code == 200 and "Prazo vencido" in page.get_data(as_text=True)
    # A viewer reads; only agents answer.
    refused = form_post(
        client,
        f"/atendimento/lgpd/{late.id}",
        {"answer": "x"},
        action=f"/atendimento/lgpd/{late.id}/concluir",
    )
    assert refused.status_code == 403


def test_concluding_records_the_answer_once_with_audit_webhook_and_mail(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world, other = debt_world(), debt_world()
    row = _request(world, 3, "Meu telefone mudou")
    theirs = _request(other, 3, "Outro pedido")
    staff_login(client, make_staff(world.creditor))
    path = f"/atendimento/lgpd/{row.id}"
    blank = form_post(client, path, {"answer": "  "}, action=f"{path}/concluir")
    assert blank.status_code == 400
    assert form_post(
        client,
        f"/atendimento/lgpd/{theirs.id}",
        {"answer": "x"},
        action=f"/atendimento/lgpd/{theirs.id}/concluir",
    ).status_code in (404,)
    done = form_post(
        client, path, {"answer": "Telefone corrigido no cadastro."}, action=f"{path}/concluir"
    )
    assert done.status_code == 303
    db.session.expire_all()
    saved = db.session.get_one(DataRequest, row.id)
    assert (saved.status, saved.answer) == ("done", "Telefone corrigido no cadastro.")
    assert saved.answered_by_id is not None and saved.answered_at is not None
    [event] = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "data_request.completed")
    ).all()
    assert event.creditor_id == world.creditor.id
    assert event.data["data_request"]["answer"] == "Telefone corrigido no cadastro."
    assert [e.details["late"] for e in events("data_request.completed")] == [False]
    # A second answer changes nothing.
    again = form_post(client, path, {"answer": "Outra resposta"}, action=f"{path}/concluir")
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.get_one(DataRequest, row.id).answer == "Telefone corrigido no cadastro."
    answered = parse_page(client.get("/atendimento/lgpd?situacao=respondidos"))
    assert f"nº {row.id}" in answered.get_text()
    # The debtor is told by e-mail, at that company's contact, once.
    [mail] = [m for m in smtp_server.wait_for(1) if "respondeu ao seu pedido" in str(m["Subject"])]
    assert mail["To"] == contact_of(world.debtor).email
    assert world.creditor.legal_name in str(mail["Subject"])
