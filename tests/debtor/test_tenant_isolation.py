"""Issue 11: a channel one company vouches for opens only that company's data.

The reproduction of the issue, through the public API and the pages only (so it runs on
SQLite and, with ``TEST_DATABASE_URL``, on PostgreSQL): company B pushes a debtor and an
item; company A pushes a debtor with the same CPF and its own e-mail, asks for an access
link and opens it with the first three CPF digits. A's session must show nothing of B.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import today_br
from tests.access_helpers import form_post, link_in
from tests.api.conftest import Company, make_company
from tests.factories import next_cpf
from tests.html import csrf_token, parse_page
from tests.smtp_server import SmtpServer

B_ITEM = {
    "external_reference": "B-SEGREDO-0042",
    "description": "Cartão Beta: fatura confidencial",
    "amount_cents": 987_654,  # R$ 9.876,54
}
B_SECRETS = ("B-SEGREDO-0042", "Cartão Beta: fatura confidencial", "9.876,54", "Maria de Beta")


def _companies(app: Flask) -> tuple[Company, Company]:
    a = make_company(app, legal_name="Alfa Cobranças S.A.", trade_name="Alfa Cobra")
    b = make_company(app, legal_name="Beta Cartões S.A.", trade_name="Beta Cartões")
    return a, b


def _push(company: Company, cpf: str, name: str, email: str, item: dict[str, object]) -> int:
    debtor = company.post("/api/v1/debtors", json={"document": cpf, "name": name, "email": email})
    assert debtor.status_code in (200, 201), debtor.json
    due = (today_br() - timedelta(days=30)).isoformat()
    batch = company.post(
        "/api/v1/items/batch",
        json={"items": [{**item, "debtor_document": cpf, "due_date": due}]},
    )
    assert batch.json["results"][0]["outcome"] == "created", batch.json
    return int(debtor.json["id"])


def _open_link(client: FlaskClient, url: str, cpf: str) -> None:
    path = urlsplit(url).path
    page = parse_page(client.get(path))
    response = client.post(path, data={"csrf_token": csrf_token(page), "digits": cpf[:3]})
    assert response.status_code == 303, response.status_code


def _everything_a_session_shows(client: FlaskClient) -> str:
    return "\n".join(
        client.get(path).get_data(as_text=True) for path in ("/inicio", "/acordos", "/meus-dados")
    )


def test_the_reproduction_company_a_sees_nothing_of_company_b(app: Flask) -> None:
    a, b = _companies(app)
    cpf = next_cpf()
    debtor_id = _push(b, cpf, "Maria de Beta", "maria@beta.example", B_ITEM)
    a_item = {"external_reference": "A-1", "description": "Conta Alfa", "amount_cents": 12_300}
    assert _push(a, cpf, "Maria de Alfa", "atacante@alfa.example", a_item) == debtor_id

    link = a.post("/api/v1/access-links", json={"debtor_document": cpf, "channel": "sms"})
    assert link.status_code == 201
    client = app.test_client()
    _open_link(client, link.json["url"], cpf)

    shown = _everything_a_session_shows(client)
    assert "Conta Alfa" in shown  # A's own item is there…
    for secret in (*B_SECRETS, b.creditor.trade_name, b.creditor.legal_name):
        assert secret not in shown, secret  # …and nothing of B, not even B's name
    assert client.get(f"/simular/{b.creditor.id}").status_code == 404

    # The API answers with A's own data only, and B's data did not change.
    assert a.get(f"/api/v1/debtors/{debtor_id}").json["name"] == "Maria de Alfa"
    assert b.get(f"/api/v1/debtors/{debtor_id}").json["name"] == "Maria de Beta"
    assert "B-SEGREDO-0042" not in a.get("/api/v1/items").get_data(as_text=True)
    assert a.get("/api/v1/items/B-SEGREDO-0042").status_code == 404


def test_the_attackers_address_gets_a_magic_link_that_opens_only_company_a(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    """A writing its own e-mail hands over neither B's magic links nor B's codes."""
    a, b = _companies(smtp_app)
    cpf = next_cpf()
    _push(b, cpf, "Maria de Beta", "maria@beta.example", B_ITEM)
    a_item = {"external_reference": "A-1", "description": "Conta Alfa", "amount_cents": 12_300}
    _push(a, cpf, "Maria de Alfa", "atacante@alfa.example", a_item)

    asked = form_post(client, "/", {"identifier": cpf}, action="/entrar")  # by CPF: both
    cookie = next(c for c in asked.headers.getlist("Set-Cookie") if c.startswith("link_nonce="))
    nonce = cookie.split(";", 1)[0].split("=", 1)[1]
    sent = {message["To"]: message for message in smtp_server.wait_for(2)}
    assert set(sent) == {"atacante@alfa.example", "maria@beta.example"}
    attacker_mail = sent["atacante@alfa.example"].get_body(("plain",)).get_content()
    assert b.creditor.legal_name not in attacker_mail and "Maria de Beta" not in attacker_mail
    path = link_in(sent["atacante@alfa.example"])
    page = parse_page(client.get(path))
    assert client.post(path, data={"csrf_token": csrf_token(page)}).status_code == 303
    shown = _everything_a_session_shows(client)
    assert "Conta Alfa" in shown
    for secret in (*B_SECRETS, b.creditor.trade_name):
        assert secret not in shown, secret

    # The owner of B's address gets B (and only B: A has another address).
    owner = smtp_app.test_client()
    owner.get("/")
    owner.set_cookie("link_nonce", nonce, path="/entrar")
    path = link_in(sent["maria@beta.example"])
    page = parse_page(owner.get(path))
    assert owner.post(path, data={"csrf_token": csrf_token(page)}).status_code == 303
    mine = _everything_a_session_shows(owner)
    assert "B-SEGREDO-0042" in mine and "Conta Alfa" not in mine


def test_a_shared_debtors_agreement_with_b_cannot_be_opened_nor_cancelled_from_a(
    app: Flask,
) -> None:
    """With a key of a company that legitimately shares the debtor."""
    from tests.debtor.test_journey import sign_in
    from tests.journey_helpers import debt_world, make_agreement

    world_b = debt_world(amounts=(55_555,))
    agreement = make_agreement(world_b, payment_count=2)
    cpf = world_b.debtor.document
    a, _b = _companies(app)
    a_item = {"external_reference": "A-9", "description": "Conta Alfa", "amount_cents": 12_300}
    _push(a, cpf, "Maria de Alfa", "alfa@alfa.example", a_item)
    link = a.post("/api/v1/access-links", json={"debtor_document": cpf})
    client = app.test_client()
    _open_link(client, link.json["url"], cpf)

    base = f"/acordos/{agreement.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/cancelar").status_code == 404
    soup = parse_page(client.get("/inicio"))
    refused = client.post(f"{base}/cancelar", data={"csrf_token": csrf_token(soup), "confirm": "y"})
    assert refused.status_code == 404
    listing = client.get("/acordos").get_data(as_text=True)
    assert f"nº {agreement.id}" not in listing and world_b.creditor.legal_name not in listing

    # B's own session still has it, untouched.
    owner = app.test_client()
    sign_in(owner, world_b)
    assert owner.get(base).status_code == 200
    assert "Cancelar o acordo" in owner.get(base).get_data(as_text=True)
