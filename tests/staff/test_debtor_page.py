"""The debtor page in the back-office: everything within one's creditors, and its actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.demo.policies import demo_policies
from portal.domain.documents import format_cpf
from portal.extensions import db
from portal.models import (
    Agreement,
    Debtor,
    DebtorNote,
    Installment,
    OutboxEvent,
    PendingItem,
    StaffRole,
)
from portal.services.negotiation import record_payment
from portal.services.policies import publish_policy
from tests.access_helpers import events, form_post, make_staff, staff_login
from tests.factories import contact_of, create_creditor, create_debtor, create_pending_item
from tests.html import csrf_token, parse_page
from tests.journey_helpers import World, debt_world, make_agreement
from tests.smtp_server import SmtpServer


@dataclass
class Scene:
    a: World  # creditor A and the shared debtor, with two items and an agreement
    agreement_a: Agreement
    b_item: PendingItem  # the shared debtor's item with creditor B (open)
    b_extra: PendingItem  # B's item inside B's agreement
    agreement_b: Agreement
    only_b: Debtor  # a debtor who owes B only

    @property
    def debtor(self) -> Debtor:
        return self.a.debtor

    @property
    def path(self) -> str:
        return f"/atendimento/devedores/{self.debtor.id}"


@pytest.fixture
def scene() -> Scene:
    a = debt_world(amounts=(40_000, 20_000), days_late=45)
    agreement_a = make_agreement(a, 4)
    extra_a = create_pending_item(
        creditor=a.creditor,
        debtor=a.debtor,
        description="Conta avulsa de A",
        original_due_date=today_br() - timedelta(days=60),
    )
    b = create_creditor(trade_name="Credora Bê", legal_name="Credora Bê S.A.")
    publish_policy(db.session, b, demo_policies()["energia"], actor=SYSTEM)
    b_extra = create_pending_item(
        creditor=b,
        debtor=a.debtor,
        description="Mensalidade Bê antiga",
        original_amount_cents=9_000,
    )
    db.session.commit()
    agreement_b = make_agreement(World(b, a.debtor, [b_extra]), 1)
    b_item = create_pending_item(creditor=b, debtor=a.debtor, description="Mensalidade Bê nova")
    only_b = create_debtor(name="Bruna Bê")
    create_pending_item(creditor=b, debtor=only_b)
    db.session.commit()
    a.items.append(extra_a)
    return Scene(a, agreement_a, b_item, b_extra, agreement_b, only_b)


def _login(client: FlaskClient, *creditors, role: StaffRole = StaffRole.AGENT, email="a@x.example"):  # type: ignore[no-untyped-def]
    user = make_staff(*creditors, role=role, email=email)
    assert staff_login(client, user).status_code == 303
    return user


def _post(client: FlaskClient, scene: Scene, action: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return form_post(client, scene.path, data or {}, action=scene.path + action)


def test_page_shows_everything_of_own_creditors_only(client: FlaskClient, scene: Scene) -> None:
    _login(client, scene.a.creditor)
    page = parse_page(client.get(scene.path))
    text = page.get_text()
    assert "Conta 1" in text and "Conta avulsa de A" in text
    assert "Mensalidade Bê" not in text and "Credora Bê" not in text
    assert f"Acordo nº {scene.agreement_a.id}" in text
    assert f"Acordo nº {scene.agreement_b.id}" not in text
    assert scene.debtor.document not in text and format_cpf(scene.debtor.document) not in text
    assert "***." in text
    # itemised updated balance of the open item, as the debtor sees it
    assert "Valor atualizado" in text and "Juros de 1% ao mês" in text
    # installments and state of the agreement
    caption = page.find("caption", string=f"Parcelas do acordo nº {scene.agreement_a.id}")
    assert caption is not None
    assert len(caption.find_parent("table").select("tbody tr")) == 4
    # the recent history, in words
    assert "Acordo fechado" in text
    # the e-mail sent about the agreement appears as a message, without its content
    messages = page.select(".message-list li")
    assert any("acordo fechado" in li.get_text() for li in messages)


def test_other_creditors_rows_are_404_everywhere(client: FlaskClient, scene: Scene) -> None:
    """Agent of A: B's debtor, B's agreement and B's item do not exist, for reading or acting."""
    _login(client, scene.a.creditor)
    token = csrf_token(parse_page(client.get(scene.path)))
    other = f"/atendimento/devedores/{scene.only_b.id}"
    assert client.get(other).status_code == 404
    assert client.get(other + "/historico").status_code == 404
    for action, data in (
        ("/documento", {}),
        ("/anotacoes", {"note_creditor_id": str(scene.a.creditor.id), "text": "oi"}),
        ("/pendencias/1/contestar", {}),
    ):
        response = client.post(other + action, data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    shared = scene.path
    cancel_b = f"{shared}/acordos/{scene.agreement_b.id}/cancelar"
    assert client.get(cancel_b).status_code == 404
    posted = client.post(cancel_b, data={"csrf_token": token, "reason": "não quero mais"})
    assert posted.status_code == 404
    disputed = client.post(
        f"{shared}/pendencias/{scene.b_item.id}/contestar", data={"csrf_token": token}
    )
    assert disputed.status_code == 404
    note_for_b = client.post(
        f"{shared}/anotacoes",
        data={"csrf_token": token, "note_creditor_id": str(scene.b_item.creditor_id), "text": "x"},
    )
    assert note_for_b.status_code == 400  # B is not a choice
    db.session.expire_all()
    assert db.session.get(Agreement, scene.agreement_b.id).state == "awaiting_down_payment"
    assert db.session.get(PendingItem, scene.b_item.id).status == "open"
    assert db.session.query(DebtorNote).count() == 0
    assert events("debtor.document_revealed") == []


def test_timeline_is_scoped_newest_first_and_paginated(client: FlaskClient, scene: Scene) -> None:
    user = _login(client, scene.a.creditor)
    for _ in range(30):  # enough events to need a second page
        _post(client, scene, "/documento")
    first = parse_page(client.get(scene.path + "/historico"))
    rows = first.select(".timeline__event")
    assert len(rows) == 25
    times = [row.find("time")["datetime"] for row in rows]
    assert times == sorted(times, reverse=True)
    assert "Documento completo exibido ao atendimento" in rows[0].get_text()
    assert f"Atendimento: {user.name}" in rows[0].get_text()
    assert first.find("a", rel="next") is not None
    last = parse_page(client.get(scene.path + "/historico", query_string={"pagina": "2"}))
    text = last.get_text()
    assert "Acordo fechado" in text and f"Acordo nº {scene.agreement_a.id}" in text
    assert f"Acordo nº {scene.agreement_b.id}" not in text
    assert "Simulação de acordo" in text
    # B's agent sees B's agreement and not A's
    other = client.application.test_client()
    _login(other, scene.agreement_b.creditor, email="b@x.example")
    everything = ""
    for page in (1, 2, 3):
        everything += other.get(scene.path + "/historico", query_string={"pagina": page}).text
    assert f"Acordo nº {scene.agreement_b.id}" in everything
    assert f"Acordo nº {scene.agreement_a.id}" not in everything
    assert client.get(scene.path + "/historico?pagina=abc").status_code == 200


def test_viewer_reads_but_cannot_act(client: FlaskClient, scene: Scene) -> None:
    _login(client, scene.a.creditor, role=StaffRole.VIEWER)
    page = parse_page(client.get(scene.path))
    assert page.find("form", attrs={"action": scene.path + "/documento"}) is None
    assert page.find("form", attrs={"action": scene.path + "/anotacoes"}) is None
    assert "Marcar como contestada" not in page.get_text()
    token = csrf_token(page)
    item = scene.a.items[-1]
    agreement = scene.agreement_a.id
    for action, data in (
        ("/documento", {}),
        ("/anotacoes", {"note_creditor_id": str(scene.a.creditor.id), "text": "oi"}),
        (f"/pendencias/{item.id}/contestar", {}),
        (f"/acordos/{agreement}/cancelar", {"reason": "o devedor pediu"}),
    ):
        response = client.post(scene.path + action, data={"csrf_token": token, **data})
        assert response.status_code == 403, action
    assert client.get(f"{scene.path}/acordos/{agreement}/cancelar").status_code == 403
    assert client.get(scene.path + "/historico").status_code == 200
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == "open"
    assert db.session.get(Agreement, agreement).state == "awaiting_down_payment"


def test_actions_need_the_csrf_token(client: FlaskClient, scene: Scene) -> None:
    _login(client, scene.a.creditor)
    item = scene.a.items[-1]
    assert client.post(f"{scene.path}/pendencias/{item.id}/contestar").status_code == 400
    assert client.post(scene.path + "/documento").status_code == 400
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == "open"


def test_revealing_the_document_shows_it_once_and_is_audited(
    client: FlaskClient, scene: Scene
) -> None:
    user = _login(client, scene.a.creditor)
    response = _post(client, scene, "/documento")
    assert response.status_code == 200
    page = parse_page(response)
    assert format_cpf(scene.debtor.document) in page.get_text()
    assert response.headers["Cache-Control"].startswith("no-store")
    [event] = events("debtor.document_revealed")
    assert (event.actor_type, event.actor_id) == ("staff", str(user.id))
    assert event.subject_id == str(scene.debtor.id)
    assert scene.debtor.document not in str(event.details)
    assert format_cpf(scene.debtor.document) not in client.get(scene.path).text


def test_add_a_note(client: FlaskClient, scene: Scene) -> None:
    user = _login(client, scene.a.creditor)
    text = "Devedor pediu contato só depois das 18h.\nPrefere WhatsApp."
    response = _post(
        client, scene, "/anotacoes", {"note_creditor_id": str(scene.a.creditor.id), "text": text}
    )
    assert response.status_code == 303
    note = db.session.scalars(sa.select(DebtorNote)).one()
    assert (note.author_id, note.creditor_id, note.text) == (user.id, scene.a.creditor.id, text)
    page = parse_page(client.get(scene.path))
    assert "Prefere WhatsApp." in page.select_one(".note-list").get_text()
    [event] = events("debtor.note_added")
    assert event.creditor_id == scene.a.creditor.id
    assert event.details == {"note_id": note.id, "length": len(text)}
    # B's agent does not see A's note
    other = client.application.test_client()
    _login(other, scene.agreement_b.creditor, email="b@x.example")
    assert "Prefere WhatsApp." not in other.get(scene.path).text


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_note_length_is_checked(client: FlaskClient, scene: Scene, text: str) -> None:
    _login(client, scene.a.creditor)
    response = _post(
        client, scene, "/anotacoes", {"note_creditor_id": str(scene.a.creditor.id), "text": text}
    )
    assert response.status_code == 400
    page = parse_page(response)
    assert page.select_one(".error-summary") is not None
    assert db.session.query(DebtorNote).count() == 0


def test_cancel_an_agreement_with_a_reason(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient, scene: Scene
) -> None:
    agreement = scene.agreement_a
    entrada = db.session.scalars(
        sa.select(Installment).where(
            Installment.agreement_id == agreement.id, Installment.number == 0
        )
    ).one()
    record_payment(db.session, entrada, entrada.amount_cents, paid_at=now_utc(), actor=SYSTEM)
    db.session.commit()
    assert db.session.get(Agreement, agreement.id).state == "active"
    before = len(smtp_server.received)
    _login(client, scene.a.creditor)
    form_path = f"{scene.path}/acordos/{agreement.id}/cancelar"
    page = parse_page(client.get(form_path))
    assert "abatido das pendências" in page.get_text()
    short = form_post(client, form_path, {"reason": "ok"})
    assert short.status_code == 400
    assert "Escreva o motivo com 5 a 300 caracteres." in short.text
    assert len(smtp_server.received) == before
    response = form_post(client, form_path, {"reason": "Devedor contestou a cobrança por telefone"})
    assert response.status_code == 303
    db.session.expire_all()
    cancelled = db.session.get(Agreement, agreement.id)
    assert cancelled.state == "cancelled"
    assert cancelled.end_reason == "Devedor contestou a cobrança por telefone"
    items = [link.pending_item for link in cancelled.items]
    assert {item.status for item in items} == {"open"}
    assert sum(item.credited_cents for item in items) == entrada.amount_cents
    assert {i.status for i in cancelled.installments if i.number > 0} == {"cancelled"}
    [event] = events("agreement.cancelled")
    assert event.actor_type == "staff"
    assert event.details["reason"] == "Devedor contestou a cobrança por telefone"
    assert event.details["trigger"] == "cancelled_by_staff"
    outbox = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "agreement.cancelled")
    ).all()
    assert len(outbox) == 1 and outbox[0].creditor_id == scene.a.creditor.id
    message = smtp_server.wait_for(before + 1)[-1]
    assert f"Acordo nº {agreement.id} cancelado" in message["Subject"]
    assert message["To"] == contact_of(scene.debtor).email
    # the page says so, and a second cancel is refused
    assert "cancelado" in client.get(scene.path).text
    again = form_post(client, form_path, {"reason": "de novo, por engano"})
    assert again.status_code == 409
    assert "já está encerrado" in again.text


def test_dispute_and_resolve_an_item(client: FlaskClient, scene: Scene) -> None:
    _login(client, scene.a.creditor)
    item = scene.a.items[-1]
    response = _post(client, scene, f"/pendencias/{item.id}/contestar")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == "disputed"
    [event] = events("item.disputed")
    assert event.creditor_id == scene.a.creditor.id and event.actor_type == "staff"
    [outbox] = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "item.disputed")
    ).all()
    assert outbox.data["item"]["external_reference"] == item.external_reference
    assert scene.debtor.document not in str(outbox.data)
    page = parse_page(client.get(scene.path))
    assert "contestada" in page.get_text() and "Resolver contestação" in page.get_text()
    # a disputed item is not offered to the debtor any more
    from portal.services.negotiation import open_items

    assert item.id not in [i.id for i in open_items(db.session, scene.debtor.id)]
    resolved = _post(client, scene, f"/pendencias/{item.id}/resolver")
    assert resolved.status_code == 303
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == "open"
    assert len(events("item.resolved")) == 1
    again = _post(client, scene, f"/pendencias/{item.id}/resolver")
    assert again.status_code == 409
    assert "não está contestada" in again.text


def test_an_item_in_an_open_agreement_cannot_be_disputed(client: FlaskClient, scene: Scene) -> None:
    _login(client, scene.a.creditor)
    item = scene.a.items[0]
    assert item.status == "in_agreement"
    response = _post(client, scene, f"/pendencias/{item.id}/contestar")
    assert response.status_code == 409
    page = parse_page(response)
    alert = page.select_one(".notice--error").get_text()
    assert "cancele o acordo antes" in alert
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == "in_agreement"
    assert events("item.disputed") == []


def test_all_creditors_staff_sees_both(client: FlaskClient, scene: Scene) -> None:
    user = make_staff(role=StaffRole.ADMIN, all_creditors=True, email="adm@x.example")
    staff_login(client, user)
    text = parse_page(client.get(scene.path)).get_text()
    assert "Mensalidade Bê nova" in text and "Conta 1" in text
    assert parse_page(client.get(scene.path + "/historico")).find("h1") is not None
    assert (
        parse_page(client.get(f"{scene.path}/acordos/{scene.agreement_b.id}/cancelar")).find("form")
        is not None
    )
