"""The debtor's journey through the pages: pendências → simular → opções → confirmar → acordo."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import today_br
from portal.extensions import db
from portal.models import Agreement, Document, DocumentStatus, OfferSnapshot
from tests.access_helpers import code_in, reminder_link
from tests.factories import contact_of
from tests.html import csrf_token, parse_page
from tests.journey_helpers import World, debt_world, make_agreement
from tests.smtp_server import SmtpServer


def sign_in(client: FlaskClient, world: World) -> None:
    token = reminder_link(world.debtor.id, world.creditor.id)
    page = parse_page(client.get(f"/a/{token}"))
    response = client.post(
        f"/a/{token}", data={"csrf_token": csrf_token(page), "digits": world.debtor.document[:3]}
    )
    assert response.status_code == 303


def simulate(client: FlaskClient, world: World, **fields: object):  # type: ignore[no-untyped-def]
    path = f"/simular/{world.creditor.id}"
    soup = parse_page(client.get(path))
    data: dict[str, object] = {
        "csrf_token": csrf_token(soup),
        "items": [i["value"] for i in soup.select("input[name=items]")],
        "first_due_date": soup.find("input", attrs={"name": "first_due_date"})["value"],
    }
    data.update(fields)
    return client.post(path, data=data)


def accept(
    client: FlaskClient, smtp_server: SmtpServer, options_path: str, payments: int
) -> tuple[object, dict[str, str]]:
    confirm_path = f"{options_path}/confirmar?parcelas={payments}"
    soup = parse_page(client.get(confirm_path))
    send = soup.find("form", action=re.compile("/codigo"))
    before = len(smtp_server.messages)
    client.post(send["action"], data={"csrf_token": csrf_token(soup)})
    code = code_in(smtp_server.wait_for(before + 1)[-1])
    soup = parse_page(client.get(confirm_path))
    form = soup.find("form", action=re.compile("/aceitar"))
    data = {
        "csrf_token": csrf_token(soup),
        "agree": "y",
        "code": code,
        "acceptance_key": form.find("input", attrs={"name": "acceptance_key"})["value"],
    }
    return client.post(form["action"], data=data), {"action": form["action"], **data}


def test_pendencias_are_itemised_and_grouped(client: FlaskClient) -> None:
    world = debt_world(amounts=(40_000, 20_000), days_late=45)
    sign_in(client, world)
    soup = parse_page(client.get("/inicio"))
    text = soup.get_text(" ", strip=True)
    assert soup.h1.get_text() == "Minhas pendências"
    assert world.creditor.cnpj_formatted in text
    assert "45 dias em atraso" in text
    assert "Multa (2%)" in text and "Juros de 1% ao mês" in text
    group_total = soup.select_one(".group-total strong").get_text()
    assert group_total == soup.select_one(".total-line strong").get_text()
    assert "R$\u00a0400,00" in text and "R$\u00a0200,00" in text


def test_kind_empty_state(client: FlaskClient) -> None:
    world = debt_world(amounts=(10_000,))
    sign_in(client, world)
    make_agreement(world, payment_count=1)
    soup = parse_page(client.get("/inicio"))
    assert "Nada em aberto por aqui" in soup.get_text()


def test_full_journey_with_a_budget(
    client: FlaskClient, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world()
    sign_in(client, world)
    response = simulate(client, world, budget="150,00")
    assert response.status_code == 303
    options_path = response.headers["Location"]
    soup = parse_page(client.get(options_path))
    assert "Proposta válida até" in soup.get_text()
    fits = soup.select(".option--fits")
    assert len(fits) == 1 and "Cabe no seu bolso" in fits[0].get_text()
    assert soup.select(".plan")  # parcelado options listed with CET
    assert "CET" in soup.select(".plan")[0].get_text()

    confirm = parse_page(client.get(f"{options_path}/confirmar?parcelas=3"))
    text = confirm.get_text(" ", strip=True)
    for expected in (
        world.creditor.legal_name,
        world.creditor.cnpj_formatted,
        "Entrada",
        "Parcela 2",
        "Custo efetivo total",
        "art. 52",
        "tolerância",
        "Você pode cancelar",
    ):
        assert expected.lower() in text.lower(), expected

    response, _data = accept(client, smtp_server, options_path, 3)
    assert response.status_code == 303
    page = parse_page(client.get(response.headers["Location"]))
    assert "Acordo confirmado" in page.get_text()
    agreement = db.session.scalars(sa.select(Agreement)).one()
    assert agreement.payment_count == 3
    mail = smtp_server.wait_for(2)[-1]
    assert "confirmado" in mail["Subject"]
    assert agreement.evidence.offer_digest in mail.get_body(("plain",)).get_content()
    assert agreement.evidence.auth_method == "access_link+kba+otp"


def test_the_same_confirmation_twice_makes_one_agreement(
    client: FlaskClient, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world()
    sign_in(client, world)
    options_path = simulate(client, world).headers["Location"]
    first, data = accept(client, smtp_server, options_path, 2)
    again = client.post(data.pop("action"), data=data)
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 1


def test_acceptance_needs_the_box_and_the_right_code(
    client: FlaskClient, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world()
    sign_in(client, world)
    options_path = simulate(client, world).headers["Location"]
    confirm_path = f"{options_path}/confirmar?parcelas=2"
    soup = parse_page(client.get(confirm_path))
    client.post(
        soup.find("form", action=re.compile("/codigo"))["action"],
        data={"csrf_token": csrf_token(soup)},
    )
    code = code_in(smtp_server.wait_for(1)[0])
    soup = parse_page(client.get(confirm_path))
    form = soup.find("form", action=re.compile("/aceitar"))
    base = {
        "csrf_token": csrf_token(soup),
        "acceptance_key": form.find("input", attrs={"name": "acceptance_key"})["value"],
    }
    no_box = client.post(form["action"], data={**base, "code": code})
    assert no_box.status_code == 400
    assert "marque que leu e concorda" in no_box.get_data(as_text=True)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    bad_code = client.post(form["action"], data={**base, "agree": "y", "code": wrong})
    assert bad_code.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 0
    good = client.post(form["action"], data={**base, "agree": "y", "code": code})
    assert good.status_code == 303


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"items": []}, "Escolha ao menos uma pendência"),
        ({"down_payment": "abc"}, "Use só algarismos, com vírgula antes dos centavos"),
        ({"down_payment": "1,234.56"}, "Use o ponto para os milhares e a vírgula para os centavos"),
        ({"budget": "0,001"}, "Use no máximo dois algarismos para os centavos"),
        ({"first_due_date": "2020-01-01"}, "escolha o primeiro vencimento entre"),
        ({"first_due_date": "nonsense"}, "data do primeiro pagamento"),
    ],
)
def test_simulation_input_errors_are_400s_in_pt_br(
    client: FlaskClient,
    fields: dict,  # type: ignore[type-arg]
    message: str,
) -> None:
    world = debt_world()
    sign_in(client, world)
    response = simulate(client, world, **fields)
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    parse_page(response)


def test_a_budget_nothing_fits_explains_why(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    options_path = simulate(client, world, budget="5,00").headers["Location"]
    text = parse_page(client.get(options_path)).get_text(" ", strip=True)
    assert "Nenhuma opção cabe nesse valor" in text
    assert "mínimo de R$\u00a030,00 por parcela" in text


def test_a_budget_typed_with_a_decimal_dot_is_reais(client: FlaskClient) -> None:
    # The old parser read "50.00" as R$ 5.000,00, enough for any option.
    world = debt_world()
    sign_in(client, world)
    options_path = simulate(client, world, budget="50.00").headers["Location"]
    text = parse_page(client.get(options_path)).get_text(" ", strip=True)
    assert "Com R$\u00a050,00 por mês" in text


def test_agreement_page_shows_each_installment_status(client: FlaskClient) -> None:
    from portal.core.clock import now_utc
    from portal.core.context import SYSTEM
    from portal.services.negotiation import record_payment

    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(
        world, payment_count=3, first_due=today_br() + timedelta(days=1), today=today_br()
    )
    record_payment(
        db.session,
        agreement.installments[0],
        agreement.installments[0].amount_cents,
        paid_at=now_utc(),
        actor=SYSTEM,
    )
    db.session.commit()
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    statuses = [s.get_text(strip=True) for s in soup.select(".installment__status")]
    assert statuses == ["paga", "a pagar", "a pagar"]
    assert "em dia" in soup.get_text()
    listing = parse_page(client.get("/acordos")).get_text(" ", strip=True)
    assert f"Acordo nº {agreement.id}" in listing and "Próximo pagamento" in listing


def test_late_installments_read_as_late(client: FlaskClient) -> None:
    import time_machine

    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    due = agreement.installments[0].due_date
    with time_machine.travel(due + timedelta(days=8, hours=12)):
        from portal.domain.agreements import installment_display
        from portal.services.policies import policy_of

        status, days = installment_display(
            due, False, due + timedelta(days=8), policy_of(agreement.policy_version).breach
        )
        assert (status.value, days) == ("late", 8)


def test_pdf_download_sends_stored_bytes_and_never_renders(client: FlaskClient, app: Flask) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=2)
    document = db.session.scalar(sa.select(Document).where(Document.agreement_id == agreement.id))
    if document is None:  # the documents module queues it; without it, make one
        document = Document(
            doc_key=f"{agreement.id}:terms:0",
            agreement_id=agreement.id,
            kind="terms",
            verification_code="TESTCODE01",
        )
        db.session.add(document)
    document.status = DocumentStatus.PENDING
    db.session.commit()
    previous = app.extensions.get("pdf_renderer")

    class Refuse:
        def render(self, html: str) -> bytes:
            raise AssertionError("a page view rendered a PDF")

    app.extensions["pdf_renderer"] = Refuse()
    try:
        url = f"/acordos/{agreement.id}/documentos/{document.id}"
        assert client.get(url).status_code == 202
        db.session.execute(
            sa.update(Document)
            .where(Document.id == document.id)
            .values(status="ready", content=b"%PDF-1.7 stored bytes")
        )
        db.session.commit()
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data == b"%PDF-1.7 stored bytes"
        assert "attachment" in response.headers["Content-Disposition"]
        for path in ("/inicio", "/acordos", f"/acordos/{agreement.id}"):
            assert client.get(path).status_code == 200
    finally:
        if previous is not None:
            app.extensions["pdf_renderer"] = previous


def test_another_debtor_sees_nothing_of_this_journey(client: FlaskClient, app: Flask) -> None:
    """IDOR: offers, agreements, documents and cancellation of debtor A are 404 for B."""
    world_a = debt_world()
    sign_in(client, world_a)
    options_path = simulate(client, world_a).headers["Location"]
    agreement = make_agreement(world_a, payment_count=2)
    token = options_path.rsplit("/", 1)[1]
    document = Document(
        doc_key=f"{agreement.id}:terms:x",
        agreement_id=agreement.id,
        kind="terms",
        verification_code="IDORTEST01",
        status="ready",
        content=b"%PDF secret",
    )
    db.session.add(document)
    db.session.commit()

    offers_before = db.session.scalar(sa.select(sa.func.count()).select_from(OfferSnapshot))
    world_b = debt_world()
    other = app.test_client()
    sign_in(other, world_b)
    for path in (
        options_path,
        f"{options_path}/confirmar?parcelas=2",
        f"/acordos/{agreement.id}",
        f"/acordos/{agreement.id}/cancelar",
        f"/acordos/{agreement.id}/documentos/{document.id}",
        f"/simular/{world_a.creditor.id}",
    ):
        response = other.get(path)
        assert response.status_code == 404, path
        body = response.get_data(as_text=True)
        assert contact_of(world_a.debtor).name not in body and "secret" not in body
    own = parse_page(other.get("/acordos"))
    assert f"Acordo nº {agreement.id}" not in own.get_text()
    soup = parse_page(other.get("/inicio"))
    assert world_a.creditor.legal_name not in soup.get_text()
    response = other.post(
        f"/simulacao/{token}/aceitar?parcelas=2",
        data={
            "csrf_token": csrf_token(soup),
            "agree": "y",
            "code": "123456",
            "acceptance_key": "x" * 30,
        },
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfferSnapshot)) == (
        offers_before
    )
