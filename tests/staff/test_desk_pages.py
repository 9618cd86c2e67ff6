"""The debtor page for a desk: who issued and cancelled each link, confirmation before
cancelling or blocking, and a timeline in words (no raw keys, no "parcela 0")."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.extensions import db
from portal.models import AccessLink, ActorType, Channel, StaffRole
from portal.services.access import issue_reminder_link
from portal.services.integration import create_key
from tests.access_helpers import debtor_with_items, events, form_post, make_staff, staff_login
from tests.factories import create_creditor, create_debtor, relate
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement


def _agent(client: FlaskClient, *creditors: object) -> None:
    user = make_staff(*creditors, role=StaffRole.AGENT)
    user.name = "Ana Agente"
    db.session.commit()
    assert staff_login(client, user).status_code == 303


def _cells(page: object, header: str) -> list[str]:
    table = page.find("th", string=header).find_parent("table")  # type: ignore[attr-defined]
    index = [th.get_text() for th in table.select("thead th")].index(header)
    return [
        row.select("th, td")[index].get_text(" ", strip=True) for row in table.select("tbody tr")
    ]


def test_links_say_who_issued_and_who_cancelled(client: FlaskClient, app: Flask) -> None:
    creditor = create_creditor(trade_name="Loja")
    debtor, _ = debtor_with_items(creditor=creditor, name="Bia Borges")
    key, _secret = create_key(
        db.session, creditor.id, "ERP Loja", actor=Actor(ActorType.SYSTEM, "system")
    )
    api = Actor(ActorType.API_KEY, str(key.id))
    issue_reminder_link(
        db.session,
        debtor,
        creditor,
        channel=Channel.SMS,
        days=7,
        max_days=30,
        actor=api,
        now=now_utc(),
    )
    db.session.commit()
    _agent(client, creditor)
    path = f"/atendimento/devedores/{debtor.id}"
    page = parse_page(client.get(path))
    assert _cells(page, "Emitido por") == ["API da empresa (chave “ERP Loja”)"]
    # cancelling asks first: the table links to a page; only its button cancels
    link = db.session.query(AccessLink).one()
    confirm_path = f"{path}/links/{link.id}/revogar"
    assert page.find("a", attrs={"href": confirm_path}) is not None
    confirm = parse_page(client.get(confirm_path))
    assert "Cancelar este link de acesso?" in confirm.get_text()
    assert events("link.revoked") == []
    done = client.post(confirm_path, data={"csrf_token": csrf_token(confirm)})
    assert done.status_code == 303
    page = parse_page(client.get(path))
    cancelled = _cells(page, "Cancelado por")[0]
    assert cancelled.startswith("Atendimento: Ana Agente") and "/" in cancelled
    assert client.get(confirm_path).status_code == 404  # nothing left to cancel


def test_blocking_asks_first(client: FlaskClient) -> None:
    creditor = create_creditor()
    debtor, _ = debtor_with_items(creditor=creditor, name="Caio Cunha")
    _agent(client, creditor)
    path = f"/atendimento/devedores/{debtor.id}"
    page = parse_page(client.get(path))
    assert page.find("button", string="Bloquear acesso e encerrar sessões") is None
    confirm = parse_page(client.get(f"{path}/bloqueio"))
    assert "Bloquear o acesso de Caio Cunha?" in confirm.get_text()
    assert events("debtor.access_blocked") == []
    form = confirm.find("form", attrs={"action": f"{path}/bloqueio"})
    data = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert data["acao"] == "bloquear"
    assert client.post(f"{path}/bloqueio", data=data).status_code == 303
    assert len(events("debtor.access_blocked")) == 1


def test_timeline_speaks_words(client: FlaskClient, app: Flask) -> None:
    world = debt_world()
    agreement = make_agreement(world)
    creditor, debtor = world.creditor, world.debtor
    system = Actor(ActorType.SYSTEM, "system")
    record_event(
        db.session,
        system,
        "item.marked_paid",
        subject=("pending_item", agreement.items[0].pending_item_id),
        creditor_id=creditor.id,
        details={"from": "open", "reference": "NF-77"},
    )
    record_event(
        db.session,
        system,
        "installment.paid",
        subject=("installment", agreement.installments[0].id),
        creditor_id=creditor.id,
        details={"agreement_id": agreement.id, "number": 0, "amount_cents": 5000},
    )
    record_event(
        db.session,
        system,
        "something.new_and_unnamed",
        subject=("debtor", debtor.id),
        creditor_id=creditor.id,
        details={"debtor_id": debtor.id},
    )
    issue_reminder_link(
        db.session,
        debtor,
        creditor,
        channel=Channel.WHATSAPP,
        days=7,
        max_days=30,
        actor=Actor(ActorType.API_KEY, "999"),
        now=now_utc(),
    )
    db.session.commit()
    _agent(client, creditor)
    text = parse_page(client.get(f"/atendimento/devedores/{debtor.id}/historico")).get_text()
    assert "Pendência marcada como paga pela empresa" in text and "referência NF-77" in text
    assert f"Acordo nº {agreement.id} · entrada" in text  # a 4-payment agreement
    assert "parcela 0" not in text
    assert "item.marked_paid" not in text and "something.new_and_unnamed" not in text
    assert "Outro registro" in text
    page = parse_page(client.get(f"/atendimento/devedores/{debtor.id}")).get_text()
    assert "emitido pela API; a empresa envia a mensagem" in page
    assert "mensagem copiada pelo atendimento" not in page


def test_a_debtor_pushed_without_items_is_found_and_shown(client: FlaskClient) -> None:
    mine, theirs = create_creditor(trade_name="Minha"), create_creditor(trade_name="Outra")
    pushed = create_debtor(name="Joaquim Só Cadastro")
    relate(mine, pushed)
    stranger = create_debtor(name="Joaquim Alheio")
    relate(theirs, stranger)
    db.session.commit()
    _agent(client, mine)
    page = parse_page(form_post(client, "/atendimento/", {"q": "joaquim so"}))
    assert [a.get_text() for a in page.select(".result-list a")] == ["Joaquim Só Cadastro"]
    shown = client.get(f"/atendimento/devedores/{pushed.id}")
    assert shown.status_code == 200 and "Joaquim Só Cadastro" in shown.get_data(as_text=True)
    assert client.get(f"/atendimento/devedores/{stranger.id}").status_code == 404
