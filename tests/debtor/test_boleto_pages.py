"""Paying by boleto in the embedded default (sandbox provider): the rules before choosing, the
payer's address, the linha digitável with a copy field that works without JavaScript, the
voucher, the status while it clears and the receipt once paid."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.domain.boleto import parse_line
from portal.extensions import db
from portal.models import Payment
from tests.debtor.test_journey import sign_in
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement

ADDRESS = {"cep": "01310-100", "endereco": "Av. Paulista, 1000", "cidade": "São Paulo", "uf": "SP"}


def _choose(client: FlaskClient, agreement_id: int):  # type: ignore[no-untyped-def]
    soup = parse_page(client.get(f"/acordos/{agreement_id}"))
    link = soup.find("a", string="Pagar com boleto")
    assert link is not None, "boleto is offered beside Pix and card"
    assert soup.find("form", action=f"/acordos/{agreement_id}/pagamentos/0/pix")
    return link["href"]


def test_rules_come_before_choosing_and_the_line_after(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    href = _choose(client, agreement.id)
    soup = parse_page(client.get(href))
    text = soup.get_text(" ", strip=True)
    assert "1 a 3 dias úteis" in text and "lotérica" in text and "vence em" in text
    # A missing address is refused, field by field, and nothing is created.
    bad = parse_page(client.post(href, data={"csrf_token": csrf_token(soup), "cep": "123"}))
    assert bad.select_one(".error-summary") is not None
    assert bad.find(id="cep")["aria-invalid"] == "true"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0

    response = client.post(href, data={"csrf_token": csrf_token(soup), **ADDRESS})
    assert response.status_code == 303
    payment = db.session.scalars(sa.select(Payment)).one()
    assert payment.method == "boleto" and payment.status == "awaiting"
    assert response.headers["Location"].endswith(f"/pagamentos/{payment.id}/boleto")
    page = parse_page(client.get(response.headers["Location"]))
    text = page.get_text(" ", strip=True)
    assert text.index(world.creditor.cnpj_formatted) < text.index("linha digitável")
    field = page.find("input", id="boleto-line")
    assert field.has_attr("readonly")  # selectable and copyable without JavaScript
    assert parse_line(field["value"]).line == payment.boleto_line
    assert page.find("button", class_="js-copy")["data-target"] == "boleto-line"
    assert page.find("a", href=payment.voucher_url) is not None
    assert "Aguardando o pagamento" in page.find(id="boleto-status").get_text()

    # The agreement page now points to the open boleto instead of offering another.
    agreement_page = parse_page(client.get(f"/acordos/{agreement.id}"))
    assert agreement_page.find("a", href=f"/pagamentos/{payment.id}/boleto") is not None
    assert agreement_page.find("a", string="Pagar com boleto") is None


def test_sandbox_voucher_simulated_payment_shows_paid_and_the_receipt(
    client: FlaskClient,
) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    href = _choose(client, agreement.id)
    soup = parse_page(client.get(href))
    location = client.post(href, data={"csrf_token": csrf_token(soup), **ADDRESS}).headers[
        "Location"
    ]
    payment = db.session.scalars(sa.select(Payment)).one()
    voucher = parse_page(client.get(f"/sandbox/boleto/{payment.provider_ref}"))
    assert "banco 999" in voucher.get_text()
    form = voucher.find("form", action=f"/sandbox/boleto/{payment.provider_ref}/pagar")
    back = client.post(form["action"], data={"csrf_token": csrf_token(voucher)})
    assert back.headers["Location"] == location
    page = parse_page(client.get(location))
    assert "Pagamento recebido" in page.find(id="boleto-status").get_text()
    assert page.find("input", id="boleto-line") is None
    assert page.find(id="receipt-title") is not None
    statuses = [
        s.get_text(strip=True)
        for s in parse_page(client.get(f"/acordos/{agreement.id}")).select(".installment__status")
    ]
    assert statuses[0] == "paga"
    # Paying again does nothing: the voucher is no longer open.
    again = client.post(form["action"], data={"csrf_token": csrf_token(voucher)})
    assert again.status_code == 303


def test_boleto_pages_are_the_debtors_own(client: FlaskClient, app: Flask) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=2)
    href = _choose(client, agreement.id)
    soup = parse_page(client.get(href))
    client.post(href, data={"csrf_token": csrf_token(soup), **ADDRESS})
    payment = db.session.scalars(sa.select(Payment)).one()
    other = app.test_client()
    sign_in(other, debt_world())
    for path in (f"/pagamentos/{payment.id}/boleto", href):
        assert other.get(path).status_code == 404, path
    assert client.get(f"/pagamentos/{payment.id}/pix").status_code == 404


def test_choosing_boleto_with_a_pix_code_open_says_so_and_closes_it(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    form = soup.find("form", action=f"/acordos/{agreement.id}/pagamentos/0/pix")
    client.post(form["action"], data={"csrf_token": csrf_token(soup)})
    href = _choose(client, agreement.id)
    page = parse_page(client.get(href))
    assert "cancela o código Pix" in page.get_text()
    client.post(href, data={"csrf_token": csrf_token(page), **ADDRESS})
    db.session.expire_all()
    rows = {p.method: p.status for p in db.session.scalars(sa.select(Payment))}
    assert rows == {"pix": "canceled", "boleto": "awaiting"}
