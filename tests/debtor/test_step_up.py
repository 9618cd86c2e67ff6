"""Step-up (issue 11): every act with legal or money effect needs a fresh one-time code, sent to
a contact of the company concerned, bound to that one act, whose message says what it
confirms. Cancelling an agreement without it is refused; with it, it works."""

from __future__ import annotations

import re
from email.message import EmailMessage

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.formatting import brl
from portal.extensions import db
from portal.models import Agreement, AuditEvent, CreditorDebtor
from tests.access_helpers import code_in
from tests.debtor.test_journey import sign_in
from tests.factories import create_creditor, create_pending_item, relate
from tests.html import csrf_token, parse_page
from tests.journey_helpers import World, debt_world, make_agreement
from tests.smtp_server import SmtpServer


def _send_code(client: FlaskClient, page_path: str) -> tuple[object, FlaskClient]:
    """Press the page's "receive the code" button (the step-up form)."""
    soup = parse_page(client.get(page_path))
    form = soup.find("form", action=re.compile(r"^/confirmacao/.+/codigo$"))
    assert form is not None, "the page offers to send a code"
    data = {
        i["name"]: i.get("value", "")
        for i in form.find_all("input")
        if i.get("name") and (i.get("type") != "radio" or i.has_attr("checked"))
    }
    return client.post(form["action"], data=data), client


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _cancel(client: FlaskClient, agreement_id: int, **fields: str):  # type: ignore[no-untyped-def]
    path = f"/acordos/{agreement_id}/cancelar"
    token = csrf_token(parse_page(client.get(path)))
    return client.post(path, data={"csrf_token": token, **fields})


def _state(agreement: Agreement) -> str:
    db.session.expire_all()
    return db.session.get_one(Agreement, agreement.id).state


def test_cancelling_without_a_fresh_code_is_refused(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    assert _cancel(client, agreement.id, confirm="y").status_code == 400  # the checkbox alone
    assert _cancel(client, agreement.id, confirm="y", code="123456").status_code == 400
    assert _state(agreement) == "awaiting_down_payment"


def test_cancelling_with_the_fresh_code_works_and_the_mail_says_what_it_confirms(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    before = len(smtp_server.messages)
    sent, _ = _send_code(client, f"/acordos/{agreement.id}/cancelar")
    assert sent.status_code == 303  # type: ignore[attr-defined]
    message = smtp_server.wait_for(before + 1)[-1]
    text = _text(message)
    for expected in (
        "cancelar o acordo nº",
        str(agreement.id),
        world.creditor.legal_name,
        world.creditor.cnpj_formatted,
        brl(agreement.total_cents),
    ):
        assert expected in text, expected
    assert message["Subject"].startswith("Código para cancelar o acordo nº")
    page = client.get(f"/acordos/{agreement.id}/cancelar").get_data(as_text=True)
    assert 'name="code"' in page  # once sent, the form asks for it

    done = _cancel(client, agreement.id, confirm="y", code=code_in(message))
    assert done.status_code == 303
    assert _state(agreement) == "cancelled"
    verified = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "code.verified")
    ).all()
    assert [e.details.get("act") for e in verified] == ["cancel"]


def test_a_code_confirms_only_the_act_it_was_sent_for(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = debt_world(amounts=(40_000,))
    sign_in(client, world)
    first = make_agreement(world, payment_count=2)
    more = create_pending_item(creditor=world.creditor, debtor=world.debtor)
    db.session.commit()
    second = make_agreement(World(world.creditor, world.debtor, [more]), payment_count=1)
    _send_code(client, f"/acordos/{first.id}/cancelar")
    code = code_in(smtp_server.wait_for(1)[-1])
    # The code of agreement 1 does not cancel agreement 2 (and is not used up by trying).
    assert _cancel(client, second.id, confirm="y", code=code).status_code == 400
    assert _state(second) == "awaiting_down_payment"
    assert _cancel(client, first.id, confirm="y", code=code).status_code == 303
    assert _state(first) == "cancelled"
    # Used once: it confirms nothing again.
    assert _cancel(client, second.id, confirm="y", code=code).status_code == 400


def test_the_code_goes_to_the_company_concerned_never_another_companys_contact(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = debt_world()
    relate(world.creditor, world.debtor, email="pessoa@credora.example")
    other = create_creditor(legal_name="Outra Empresa S.A.", trade_name="Outra")
    create_pending_item(creditor=other, debtor=world.debtor)
    relate(other, world.debtor, email="quem-outra-empresa-cadastrou@outra.example")
    db.session.commit()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=2)
    page = client.get(f"/acordos/{agreement.id}/cancelar").get_data(as_text=True)
    assert "p***@credora.example" in page and "outra.example" not in page
    _send_code(client, f"/acordos/{agreement.id}/cancelar")
    assert smtp_server.wait_for(1)[-1]["To"] == "pessoa@credora.example"


def test_a_forged_step_up_request_for_someone_elses_agreement_is_a_404(
    app: Flask, client: FlaskClient
) -> None:
    mine, theirs = debt_world(), debt_world()
    agreement = make_agreement(theirs, payment_count=2)
    sign_in(client, mine)
    soup = parse_page(client.get("/inicio"))
    for act, ref in (("cancel", agreement.id), ("contact", theirs.creditor.id), ("nada", 1)):
        response = client.post(
            f"/confirmacao/{act}/{ref}/codigo",
            data={"csrf_token": csrf_token(soup), "channel": "email"},
        )
        assert response.status_code == 404, (act, ref)


def test_changing_contact_data_needs_a_code_and_changes_only_that_company(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    world = debt_world()
    relate(world.creditor, world.debtor, email="antigo@credora.example")
    other = create_creditor(legal_name="Outra Empresa S.A.", trade_name="Outra")
    create_pending_item(creditor=other, debtor=world.debtor)
    relate(other, world.debtor, email="intocado@outra.example", phone=None)
    db.session.commit()
    sign_in(client, world)
    path = f"/meus-dados/{world.creditor.id}"
    soup = parse_page(client.get(path))
    assert soup.find("input", attrs={"name": "email"}) is None  # no form before the code
    forged = client.post(
        path,
        data={"csrf_token": csrf_token(soup), "email": "ladrao@evil.example", "code": "000000"},
    )
    assert forged.status_code == 400
    _send_code(client, path)
    message = smtp_server.wait_for(1)[-1]
    assert message["To"] == "antigo@credora.example"
    assert "alterar seus dados de contato" in _text(message)
    soup = parse_page(client.get(path))
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(soup),
            "email": "Nova@Credora.example",
            "phone": "(41) 98888-7777",
            "code": code_in(message),
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    mine = db.session.get_one(CreditorDebtor, (world.creditor.id, world.debtor.id))
    theirs = db.session.get_one(CreditorDebtor, (other.id, world.debtor.id))
    assert (mine.email, mine.phone) == ("nova@credora.example", "+5541988887777")
    assert (theirs.email, theirs.phone) == ("intocado@outra.example", None)
    told = {m["To"] for m in smtp_server.wait_for(3)[1:]}
    assert told == {"antigo@credora.example", "nova@credora.example"}
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "contact.changed")
    ).one()
    assert event.creditor_id == world.creditor.id
