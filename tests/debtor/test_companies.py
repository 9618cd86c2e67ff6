"""Which proof opens what (issue 11): a magic link proves every company holding exactly that
address; "Tem pendências com outra empresa?" adds a company with a code sent to the contact
that company has on file, and says nothing about companies the person does not owe."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from portal.domain.documents import format_cnpj
from portal.extensions import db
from tests.access_helpers import code_in, events, sign_in_by_email
from tests.debtor.test_journey import sign_in
from tests.factories import create_creditor, create_pending_item, relate
from tests.html import csrf_token, parse_page
from tests.journey_helpers import World, debt_world
from tests.smtp_server import SmtpServer

MASK = re.compile(r"[a-z]\*\*\*@[a-z0-9.-]+")


def _second_company(world: World, email: str, reference: str) -> tuple[object, object]:
    creditor = create_creditor(legal_name=f"Empresa {reference} S.A.", trade_name=reference)
    item = create_pending_item(creditor=creditor, debtor=world.debtor, external_reference=reference)
    relate(creditor, world.debtor, email=email, phone=None)
    db.session.commit()
    return creditor, item


def _home(client: FlaskClient) -> str:
    return client.get("/inicio").get_data(as_text=True)


def _ask(client: FlaskClient, cnpj: str):  # type: ignore[no-untyped-def]
    soup = parse_page(client.get("/empresas/adicionar"))
    return client.post("/empresas/adicionar", data={"csrf_token": csrf_token(soup), "cnpj": cnpj})


def _answer(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    soup = parse_page(client.get("/empresas/adicionar/codigo"))
    return client.post(
        "/empresas/adicionar/codigo", data={"csrf_token": csrf_token(soup), "code": code}
    )


def test_a_magic_link_proves_exactly_the_companies_holding_that_address(
    client: FlaskClient,
) -> None:
    world = debt_world()
    relate(world.creditor, world.debtor, email="maria@example.com")
    _same, _ = _second_company(world, "maria@example.com", "MESMO-EMAIL-1")
    _other, _ = _second_company(world, "outro@example.com", "OUTRO-EMAIL-1")
    sign_in_by_email(client, world.debtor.id, "maria@example.com")
    home = _home(client)
    assert world.creditor.legal_name in home and "MESMO-EMAIL-1" in home
    assert "OUTRO-EMAIL-1" not in home and "Empresa OUTRO-EMAIL-1" not in home


def test_adding_a_company_with_the_code_sent_to_its_own_contact(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = debt_world()
    other, _item = _second_company(world, "maria.b@outra.example", "B-REF-77")
    sign_in(client, world)  # a link of world.creditor: proves it only
    assert "B-REF-77" not in _home(client)
    asked = _ask(client, format_cnpj(other.cnpj))  # type: ignore[attr-defined]
    assert asked.status_code == 303
    page = client.get("/empresas/adicionar/codigo").get_data(as_text=True)
    assert "m***@outra.example" in page
    message = smtp_server.wait_for(1)[-1]
    assert message["To"] == "maria.b@outra.example"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert other.legal_name in body  # type: ignore[attr-defined]
    assert format_cnpj(other.cnpj) in body  # type: ignore[attr-defined]

    assert (
        _answer(client, "000000" if code_in(message) != "000000" else "111111").status_code == 400
    )
    assert "B-REF-77" not in _home(client)
    assert _answer(client, code_in(message)).status_code == 303
    home = _home(client)
    assert "B-REF-77" in home and world.items[0].external_reference in home
    assert events("session.companies_added")


def test_a_company_that_does_not_know_the_person_looks_the_same_and_sends_nothing(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = debt_world()
    known, _ = _second_company(world, "maria.b@outra.example", "B-REF-78")
    stranger = create_creditor(legal_name="Desconhecida S.A.", trade_name="Desconhecida")
    db.session.commit()
    sign_in(client, world)
    pages = []
    for cnpj in (known.cnpj, stranger.cnpj, "11.222.333/0001-81"):  # type: ignore[attr-defined]
        assert _ask(client, cnpj).status_code == 303
        page = parse_page(client.get("/empresas/adicionar/codigo"))
        pages.append(page)
        assert MASK.search(page.get_text()), "a masked address is always shown"
        assert _answer(client, "123456").status_code == 400
    # Same page, same shape, whoever the company is: only the address differs.
    shapes = [[tag.name for tag in page.find("main").find_all(True)] for page in pages]
    assert shapes[0] == shapes[1] == shapes[2]
    # A fourth try within 15 minutes is refused: probing companies is slow.
    assert _ask(client, stranger.cnpj).headers["Location"] == "/empresas/adicionar"
    from portal.auth.limits import limiter

    with smtp_app.app_context():
        limiter.reset()
    decoy = MASK.search(pages[1].get_text()).group()  # type: ignore[union-attr]
    assert _ask(client, stranger.cnpj).headers["Location"] == "/empresas/adicionar/codigo"
    again = MASK.search(parse_page(client.get("/empresas/adicionar/codigo")).get_text())
    assert again is not None and again.group() == decoy  # stable: asking twice tells nothing
    # Requests wait for what they queued (ClosingClient): one code left, to the real contact.
    assert [m["To"] for m in smtp_server.messages] == ["maria.b@outra.example"]
    assert "B-REF-78" not in _home(client)


def test_the_add_page_names_no_company(client: FlaskClient) -> None:
    world = debt_world()
    other, _ = _second_company(world, "x@outra.example", "B-REF-79")
    sign_in(client, world)
    page = client.get("/empresas/adicionar").get_data(as_text=True)
    assert other.legal_name not in page and other.trade_name not in page  # type: ignore[attr-defined]
    assert _ask(client, "123").status_code == 400
