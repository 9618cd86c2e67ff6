"""The back-office's dispute cases: scoped to the staff member's companies, the attachment
as a download, the answer with its outcome, the debtor's e-mail after commit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import ItemDispute, ItemStatus, OutboxEvent, PendingItem, StaffRole
from tests.access_helpers import events, form_post, make_staff, staff_login
from tests.debtor.test_journey import sign_in
from tests.dispute_helpers import PNG, post_dispute
from tests.factories import contact_of
from tests.html import parse_page
from tests.journey_helpers import World, debt_world
from tests.smtp_server import SmtpServer


@dataclass
class Cases:
    mine: World
    theirs: World
    case: ItemDispute
    other_case: ItemDispute


@pytest.fixture
def cases(app: Flask) -> Iterator[Cases]:
    mine, theirs = debt_world(), debt_world()
    for world, file in ((mine, (PNG, "foto.png", "image/png")), (theirs, None)):
        debtor_client = app.test_client()
        sign_in(debtor_client, world)
        assert post_dispute(debtor_client, world.items[0].id, file=file).status_code == 303
    case = db.session.scalars(
        sa.select(ItemDispute).where(ItemDispute.creditor_id == mine.creditor.id)
    ).one()
    other = db.session.scalars(
        sa.select(ItemDispute).where(ItemDispute.creditor_id == theirs.creditor.id)
    ).one()
    yield Cases(mine, theirs, case, other)


def _login(client: FlaskClient, world: World, role: StaffRole = StaffRole.AGENT) -> None:
    user = make_staff(world.creditor, role=role, email=f"{role.value}@x.example")
    assert staff_login(client, user).status_code == 303


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(parse_page(response).get_text(" ", strip=True).split())


def test_staff_see_only_their_companies_cases(client: FlaskClient, cases: Cases) -> None:
    _login(client, cases.mine)
    listing = parse_page(client.get("/atendimento/contestacoes"))
    hrefs = {a["href"] for a in listing.select("table a")}
    assert hrefs == {f"/atendimento/contestacoes/{cases.case.id}"}
    page = _text(client.get(f"/atendimento/contestacoes/{cases.case.id}"))
    assert "Não contratei, não é minha" in page and "Nunca tive conta nessa empresa." in page
    assert "Baixar anexo" in page and "No prazo" not in page  # the list says it, not the case
    for path in (
        f"/atendimento/contestacoes/{cases.other_case.id}",
        f"/atendimento/contestacoes/{cases.other_case.id}/anexo",
        f"/atendimento/contestacoes/{cases.case.id + 1000}",
    ):
        assert client.get(path).status_code == 404
    denied = form_post(
        client,
        f"/atendimento/contestacoes/{cases.case.id}",
        {"outcome": "rejected", "answer": "tentativa de outra empresa"},
        action=f"/atendimento/contestacoes/{cases.other_case.id}",
    )
    assert denied.status_code == 404


def test_the_attachment_downloads_with_its_checked_type(client: FlaskClient, cases: Cases) -> None:
    _login(client, cases.mine)
    response = client.get(f"/atendimento/contestacoes/{cases.case.id}/anexo")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="contestacao-{cases.case.id}.png"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [audit] = events("dispute.attachment_downloaded")
    assert audit.creditor_id == cases.mine.creditor.id and audit.actor_type == "staff"
    # the other company's case has no attachment at all, and is not theirs anyway
    assert client.get(f"/atendimento/contestacoes/{cases.other_case.id}/anexo").status_code == 404


def test_rejecting_puts_the_item_back_in_negotiation(
    client: FlaskClient, cases: Cases, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    _login(client, cases.mine)
    path = f"/atendimento/contestacoes/{cases.case.id}"
    before = len(smtp_server.received)
    response = form_post(
        client,
        path,
        {"outcome": "rejected", "answer": "A conta foi aberta com sua assinatura em 2025."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    case = db.session.get(ItemDispute, cases.case.id)
    assert (case.status, case.outcome) == ("rejected", "rejected")
    assert db.session.get(PendingItem, case.pending_item_id).status == ItemStatus.OPEN
    [audit] = events("item.dispute_resolved")
    assert audit.details["outcome"] == "rejected" and audit.actor_type == "staff"
    [outbox] = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "item.dispute_resolved")
    ).all()
    assert outbox.data["dispute"]["answer"] == "A conta foi aberta com sua assinatura em 2025."
    assert outbox.data["item"]["status"] == "open"
    message = smtp_server.wait_for(before + 1)[-1]
    assert message["To"] == contact_of(cases.mine.debtor).email
    assert message["Subject"] == "Sua contestação foi respondida"
    body = " ".join(message.get_body(("plain",)).get_content().split())
    assert "A empresa manteve a pendência" in body
    assert f"/contestacoes/{case.id}" in body
    assert "Respondidas" in _text(client.get("/atendimento/contestacoes"))
    again = form_post(client, path, {"outcome": "cancelled", "answer": "mudei de ideia agora"})
    assert again.status_code == 409


def test_adjusting_needs_a_smaller_amount(client: FlaskClient, cases: Cases) -> None:
    _login(client, cases.mine)
    path = f"/atendimento/contestacoes/{cases.case.id}"
    item = db.session.get(PendingItem, cases.case.pending_item_id)
    original = item.original_amount_cents
    for amount in ("", "999999,00", "0,00"):
        refused = form_post(
            client, path, {"outcome": "adjusted", "amount": amount, "answer": "valor corrigido"}
        )
        assert refused.status_code == 400
        assert "menor que o original" in _text(refused)
    short = form_post(client, path, {"outcome": "cancelled", "answer": "ok"})
    assert short.status_code == 400
    done = form_post(
        client, path, {"outcome": "adjusted", "amount": "150,00", "answer": "Tarifa indevida."}
    )
    assert done.status_code == 303
    db.session.expire_all()
    item = db.session.get(PendingItem, item.id)
    assert (item.status, item.original_amount_cents) == (ItemStatus.OPEN, 15_000)
    case = db.session.get(ItemDispute, cases.case.id)
    assert (case.previous_amount_cents, case.adjusted_amount_cents) == (original, 15_000)
    [audit] = events("item.dispute_resolved")
    assert audit.details["previous_amount_cents"] == original


def test_viewers_read_but_cannot_answer(client: FlaskClient, cases: Cases) -> None:
    _login(client, cases.mine, StaffRole.VIEWER)
    page = parse_page(client.get(f"/atendimento/contestacoes/{cases.case.id}"))
    assert page.find("form", action=f"/atendimento/contestacoes/{cases.case.id}") is None
    response = form_post(
        client,
        f"/atendimento/contestacoes/{cases.case.id}",
        {"outcome": "cancelled", "answer": "cancelada pela empresa"},
    )
    assert response.status_code == 403


def test_the_debtor_page_sends_staff_to_the_case(client: FlaskClient, cases: Cases) -> None:
    _login(client, cases.mine)
    debtor_path = f"/atendimento/devedores/{cases.mine.debtor.id}"
    page = parse_page(client.get(debtor_path))
    assert page.find("a", href=f"/atendimento/contestacoes/{cases.case.id}") is not None
    item_id = cases.case.pending_item_id
    quick = form_post(
        client, debtor_path, {}, action=f"{debtor_path}/pendencias/{item_id}/resolver"
    )
    assert quick.status_code == 409
    assert "responda pela página da contestação" in quick.get_data(as_text=True)
