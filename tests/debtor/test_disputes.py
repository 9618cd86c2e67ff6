""" "Não reconheço esta pendência" and "Motivo do atraso" on the debtor's pages: the form,
the attachment checked by content, the status until the company answers, and the scope."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import (
    DelayReasonRecord,
    ItemDispute,
    ItemStatus,
    OutboxEvent,
    PendingItem,
)
from tests.access_helpers import events
from tests.debtor.test_journey import sign_in
from tests.dispute_helpers import EXE, PDF, SIX_MB_PDF, dispute_path, post_dispute
from tests.factories import create_creditor, create_pending_item
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(parse_page(response).get_text(" ", strip=True).split())


def test_a_debtor_disputes_an_item_with_an_attachment(client: FlaskClient) -> None:
    world = debt_world()
    world.creditor.support_phone = "+554133330000"
    world.creditor.support_email = "ajuda@credora.example.com"
    db.session.commit()
    sign_in(client, world)
    item, other = world.items
    home = parse_page(client.get("/inicio"))
    assert home.find("a", href=dispute_path(item.id)) is not None
    form = parse_page(client.get(dispute_path(item.id)))
    assert form.find("section", class_="company-contact") is not None
    assert form.find("form", enctype="multipart/form-data") is not None
    assert "10 dias úteis" in form.get_text()

    response = post_dispute(
        client, item.id, reason="already_paid", file=(PDF, "recibo.pdf", "application/pdf")
    )
    assert response.status_code == 303
    db.session.expire_all()
    dispute = db.session.scalars(sa.select(ItemDispute)).one()
    assert response.headers["Location"] == f"/contestacoes/{dispute.id}"
    assert db.session.get(PendingItem, item.id).status == ItemStatus.DISPUTED
    assert db.session.get(PendingItem, other.id).status == ItemStatus.OPEN
    assert (dispute.reason, dispute.details, dispute.status) == (
        "already_paid",
        "Nunca tive conta nessa empresa.",
        "open",
    )
    assert (dispute.attachment, dispute.attachment_type) == (PDF, "application/pdf")
    [audit] = events("item.disputed")
    assert audit.actor_type == "debtor" and audit.details["dispute_id"] == dispute.id
    [outbox] = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "item.disputed")
    ).all()
    assert outbox.data["dispute"]["reason"] == "already_paid"
    assert outbox.data["dispute"]["has_attachment"] is True

    status = _text(client.get(f"/contestacoes/{dispute.id}"))
    assert "Em análise pela empresa" in status
    # a dead end names the company's own channels (issue 16, "Contact")
    assert f"Fale com {world.creditor.display_name}" in status
    assert "(41) 3333-0000" in status and "ajuda@credora.example.com" in status
    assert "Já paguei" in status and "Prazo para a resposta" in status
    # out of negotiation: the home page lists it only as a dispute, the simulator skips it
    home = parse_page(client.get("/inicio"))
    assert home.find("a", href=dispute_path(item.id)) is None
    assert "Suas contestações" in home.get_text()
    simulator = parse_page(client.get(f"/simular/{world.creditor.id}"))
    offered = {int(i["value"]) for i in simulator.select("input[name=items]")}
    assert offered == {other.id}
    # a second visit to the form shows the case instead
    again = client.get(dispute_path(item.id))
    assert again.status_code == 303 and again.headers["Location"] == f"/contestacoes/{dispute.id}"


def test_an_exe_renamed_pdf_is_refused_in_portuguese(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    item = world.items[0]
    response = post_dispute(client, item.id, file=(EXE, "comprovante.pdf", "application/pdf"))
    assert response.status_code == 400
    assert "Só aceitamos arquivos PDF, JPEG ou PNG" in _text(response)
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == ItemStatus.OPEN
    assert db.session.scalars(sa.select(ItemDispute)).all() == []
    assert events("item.disputed") == []


def test_a_six_megabyte_file_is_refused(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    item = world.items[0]
    response = post_dispute(client, item.id, file=(SIX_MB_PDF, "grande.pdf", "application/pdf"))
    assert response.status_code == 400
    assert "mais de 5 MB" in _text(response)
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == ItemStatus.OPEN


def test_a_body_above_the_request_limit_is_a_4xx(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    item = world.items[0]
    token = csrf_token(parse_page(client.get(dispute_path(item.id))))
    huge = b"%PDF-" + b"0" * (17 * 1024 * 1024)
    response = client.post(
        dispute_path(item.id),
        data={"csrf_token": token, "reason": "other", "attachment": (io.BytesIO(huge), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == ItemStatus.OPEN


def test_the_form_needs_a_reason_and_csrf(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    item = world.items[0]
    missing = post_dispute(client, item.id, reason="")
    assert missing.status_code == 400 and "Escolha o motivo." in _text(missing)
    unknown = post_dispute(client, item.id, reason="porque sim")
    assert unknown.status_code == 400
    too_long = post_dispute(client, item.id, details="x" * 1001)
    assert too_long.status_code == 400 and "1000 caracteres" in _text(too_long)
    no_csrf = client.post(dispute_path(item.id), data={"reason": "other"})
    assert no_csrf.status_code == 400
    db.session.expire_all()
    assert db.session.get(PendingItem, item.id).status == ItemStatus.OPEN


def test_no_attachment_is_fine(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    response = post_dispute(client, world.items[0].id, reason="fraud", details="")
    assert response.status_code == 303
    dispute = db.session.scalars(sa.select(ItemDispute)).one()
    assert dispute.attachment_size is None and dispute.details == ""
    assert "nenhum" in _text(client.get(response.headers["Location"]))


def test_other_peoples_and_unproved_items_are_not_found(client: FlaskClient) -> None:
    world = debt_world()
    stranger = debt_world()
    sign_in(client, world)
    assert client.get(dispute_path(stranger.items[0].id)).status_code == 404
    # the same person's item with a company this session has not proved
    unproved = create_pending_item(creditor=create_creditor(), debtor=world.debtor)
    db.session.commit()
    assert client.get(dispute_path(unproved.id)).status_code == 404
    # an item already inside an agreement cannot be disputed here
    agreement = make_agreement(world, payment_count=2)
    in_agreement = agreement.items[0].pending_item_id
    assert client.get(dispute_path(in_agreement)).status_code == 404


def test_a_case_of_another_person_is_not_found(client: FlaskClient) -> None:
    mine, theirs = debt_world(), debt_world()
    sign_in(client, theirs)
    assert post_dispute(client, theirs.items[0].id).status_code == 303
    case = db.session.scalars(sa.select(ItemDispute)).one()
    other = client.application.test_client()
    sign_in(other, mine)
    assert other.get(f"/contestacoes/{case.id}").status_code == 404


def test_the_delay_reason_is_recorded_and_changes_nothing_else(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    home = parse_page(client.get("/inicio"))
    action = f"/empresas/{world.creditor.id}/motivo-atraso"
    form = home.find("form", action=action)
    assert form is not None and form.find("select", attrs={"name": "reason"}) is not None
    before = client.get("/inicio").get_data(as_text=True).count("R$")
    response = client.post(action, data={"csrf_token": csrf_token(home), "reason": "unemployment"})
    assert response.status_code == 303
    row = db.session.get(DelayReasonRecord, (world.creditor.id, world.debtor.id))
    assert row is not None and row.reason == "unemployment"
    response = client.post(action, data={"csrf_token": csrf_token(home), "reason": "illness"})
    db.session.expire_all()
    assert (
        db.session.get(DelayReasonRecord, (world.creditor.id, world.debtor.id)).reason == "illness"
    )
    recorded = events("debtor.delay_reason_recorded")
    assert [e.details["reason"] for e in recorded] == ["unemployment", "illness"]
    assert recorded[1].details["previous"] == "unemployment"
    page = client.get("/inicio")
    assert "Motivo informado: Doença" in _text(page)
    assert page.get_data(as_text=True).count("R$") == before  # amounts unchanged
    assert all(i.status == ItemStatus.OPEN for i in db.session.scalars(sa.select(PendingItem)))
    bad = client.post(action, data={"csrf_token": csrf_token(home), "reason": "preguiça"})
    assert bad.status_code == 400
    elsewhere = client.post(
        f"/empresas/{create_creditor().id}/motivo-atraso",
        data={"csrf_token": csrf_token(home), "reason": "forgot"},
    )
    assert elsewhere.status_code == 404


def test_saving_without_choosing_a_delay_reason_asks_for_one(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    home = parse_page(client.get("/inicio"))
    select = home.find("select", attrs={"name": "reason"})
    assert select.find("option", selected=True)["value"] == ""
    action = f"/empresas/{world.creditor.id}/motivo-atraso"
    response = client.post(action, data={"csrf_token": csrf_token(home), "reason": ""})
    assert response.status_code == 303
    assert "Escolha um motivo antes de salvar." in _text(client.get("/inicio"))
    assert db.session.get(DelayReasonRecord, (world.creditor.id, world.debtor.id)) is None
    assert client.post(action, data={"reason": "forgot"}).status_code == 400  # no CSRF
