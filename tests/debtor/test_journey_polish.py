"""Journey polish (issue 16): the details a debtor on a phone tripped over."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.payments.base import ProviderEvent
from portal.core.clock import BRASILIA, now_utc
from portal.core.context import SYSTEM
from portal.domain.calendar import anbima_calendar
from portal.domain.payments import PaymentStatus
from portal.extensions import db
from portal.models import (
    Agreement,
    Document,
    DocumentKind,
    DocumentStatus,
    OfferSnapshot,
    Payment,
)
from portal.services.documents import document_label, download_name
from portal.services.negotiation import cancel_by_debtor, load_offer
from portal.services.payments import process_event, provider, start_payment
from portal.services.policies import current_policy
from tests.debtor.test_journey import accept, sign_in, simulate
from tests.html import parse_page
from tests.journey_helpers import debt_world, make_agreement
from tests.smtp_server import SmtpServer


def test_the_suggested_first_date_is_a_business_day(client: FlaskClient) -> None:
    world = debt_world()
    calendar = anbima_calendar()
    moved = 0
    start = datetime.now(BRASILIA).replace(hour=10, minute=0, second=0, microsecond=0)
    for shift in range(7):  # a week: some day's earliest date falls on a weekend
        with time_machine.travel(start + timedelta(days=shift), tick=False):
            sign_in(client, world)
            field = parse_page(client.get(f"/simular/{world.creditor.id}")).find(
                "input", attrs={"name": "first_due_date"}
            )
            earliest = date.fromisoformat(field["min"])
            suggested = date.fromisoformat(field["value"])
            assert calendar.is_business_day(suggested)
            assert suggested == calendar.following(earliest)
            assert earliest <= suggested <= date.fromisoformat(field["max"])
            moved += suggested != earliest
    assert moved >= 2  # the weekend was really stepped over


def _ready_receipt(agreement, number: int, payment_id: int | None = None) -> Document:  # type: ignore[no-untyped-def]
    installment = next(i for i in agreement.installments if i.number == number)
    document = Document(
        doc_key=Document.key_for(agreement.id, DocumentKind.RECEIPT, installment.id),
        agreement_id=agreement.id,
        installment_id=installment.id,
        payment_id=payment_id,
        kind=DocumentKind.RECEIPT.value,
        verification_code=f"R{agreement.id:05d}{number:04d}",
        status=DocumentStatus.READY.value,
        content=f"%PDF-1.7 receipt {number}".encode(),
    )
    db.session.add(document)
    return document


def test_receipts_have_their_own_labels_and_file_names(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    receipts = [_ready_receipt(agreement, number) for number in (0, 1, 2)]
    db.session.commit()
    page = parse_page(client.get(f"/acordos/{agreement.id}"))
    links = [a.get_text() for a in page.select("#documents-title ~ ul a")]
    assert links[-3:] == [
        "Comprovante da entrada (PDF)",
        "Comprovante da parcela 1 (PDF)",
        "Comprovante da parcela 2 (PDF)",
    ]
    names = set()
    for receipt in receipts:
        response = client.get(f"/acordos/{agreement.id}/documentos/{receipt.id}")
        assert response.status_code == 200
        names.add(response.headers["Content-Disposition"].split("filename=")[1].strip('"'))
    assert names == {
        f"comprovante-{agreement.id}-entrada.pdf",
        f"comprovante-{agreement.id}-parcela-1.pdf",
        f"comprovante-{agreement.id}-parcela-2.pdf",
    }


def test_an_a_vista_receipt_and_an_early_payment_receipt(client: FlaskClient) -> None:
    world = debt_world()
    single = make_agreement(world, payment_count=1)
    receipt = _ready_receipt(single, 0)
    db.session.commit()
    assert document_label(receipt) == "Comprovante do pagamento à vista"
    assert download_name(receipt) == f"comprovante-{single.id}-a-vista.pdf"

    other = debt_world()
    plan = make_agreement(other, payment_count=3)
    second = next(i for i in plan.installments if i.number == 1)
    payment = Payment(
        installment_id=second.id,
        agreement_id=plan.id,
        provider="sandbox",
        method="pix",
        attempt=1,
        idempotency_key=f"test-settle-{plan.id}",
        amount_cents=second.amount_cents,
        kind="settlement",
    )
    db.session.add(payment)
    db.session.flush()
    early = _ready_receipt(plan, 1, payment.id)
    db.session.commit()
    assert document_label(early) == "Comprovante da quitação antecipada"
    assert download_name(early) == f"comprovante-{plan.id}-quitacao-antecipada-{early.id}.pdf"


def _brl(cents: int) -> str:
    return "R$\u00a0" + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def test_the_confirmation_e_mail_carries_the_summary_it_promises(
    client: FlaskClient, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world()
    sign_in(client, world)
    options_path = simulate(client, world).headers["Location"]
    response, _data = accept(client, smtp_server, options_path, 3)
    assert response.status_code == 303
    agreement = db.session.scalars(sa.select(Agreement)).one()
    mail = smtp_server.wait_for(2)[-1]
    for part in ("plain", "html"):
        body = mail.get_body((part,)).get_content()
        link = f"https://portal.test.example/acordos/{agreement.id}"
        if part == "html":
            soup = BeautifulSoup(body, "html.parser")
            assert soup.find("a", href=link) is not None
            body = soup.get_text(" ", strip=True)
        else:
            assert link in body
        assert world.creditor.legal_name in body and world.creditor.cnpj_formatted in body
        assert _brl(agreement.total_cents) in body
        for installment in agreement.installments:
            assert _brl(installment.amount_cents) in body
            assert f"{installment.due_date:%d/%m/%Y}" in body
        assert "Parcela 2 de 2" in body and "Entrada" in body
        assert world.debtor.document not in body


def test_a_payment_e_mail_names_the_company_the_next_payment_and_the_link(
    app: Flask, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=3)
    first = agreement.installments[0]
    before = len(smtp_server.messages)
    with smtp_app.app_context():
        payment = start_payment(db.session, first.id, "pix", actor=SYSTEM, now=now_utc())
        db.session.commit()
        reported = provider().simulate_success(str(payment.provider_ref), now_utc()).payment
        reported = replace(
            reported, status=PaymentStatus.SUCCEEDED, amount_received_cents=payment.amount_cents
        )
        event = ProviderEvent(
            event_id="evt_polish",
            type="payment_intent.succeeded",
            created=now_utc(),
            payment=reported,
        )
        process_event(db.session, "sandbox", event, now=now_utc())
        db.session.commit()
    mail = smtp_server.wait_for(before + 1)[-1]
    body = mail.get_body(("plain",)).get_content()
    second = next(i for i in agreement.installments if i.number == 1)
    assert world.creditor.cnpj_formatted in body and world.creditor.legal_name in body
    assert f"Próximo pagamento: {_brl(second.amount_cents)}" in body
    assert f"{second.due_date:%d/%m/%Y}" in body
    assert f"https://portal.test.example/acordos/{agreement.id}" in body


def test_an_end_of_agreement_e_mail_names_the_company_and_links_the_agreement(
    client: FlaskClient, smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=3)
    before = len(smtp_server.messages)
    with smtp_app.app_context():
        cancel_by_debtor(db.session, db.session.merge(agreement), actor=SYSTEM, now=now_utc())
        db.session.commit()
    body = smtp_server.wait_for(before + 1)[-1].get_body(("plain",)).get_content()
    assert world.creditor.cnpj_formatted in body and _brl(agreement.total_cents) in body
    assert f"https://portal.test.example/acordos/{agreement.id}" in body


def test_no_pay_buttons_while_a_payment_is_being_confirmed_or_once_all_is_paid(
    app: Flask, client: FlaskClient
) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    path = f"/acordos/{agreement.id}"

    def pay_forms() -> list[object]:
        return parse_page(client.get(path)).select("form[action*='/pagamentos/']")

    assert len(pay_forms()) == 2  # Pix and card for the entrada
    with app.app_context():
        payment = start_payment(
            db.session, agreement.installments[0].id, "card", actor=SYSTEM, now=now_utc()
        )
        payment.status = PaymentStatus.PROCESSING.value
        payment_id = payment.id
        db.session.commit()
    assert pay_forms() == []
    assert "Pagamento em confirmação" in parse_page(client.get(path)).get_text()

    with app.app_context():
        db.session.get(Payment, payment_id).status = PaymentStatus.FAILED.value
        db.session.commit()
    assert len(pay_forms()) == 2  # a failed card: the buttons come back

    with app.app_context():
        for installment in db.session.get(Agreement, agreement.id).installments:
            installment.status = "paid"
            installment.paid_cents = installment.amount_cents
        db.session.get(Agreement, agreement.id).state = "completed"
        db.session.commit()
    assert pay_forms() == []


def _plans(world):  # type: ignore[no-untyped-def]
    snapshot = db.session.scalars(sa.select(OfferSnapshot).order_by(OfferSnapshot.id)).first()
    _snapshot, offer = load_offer(db.session, world.debtor.id, snapshot.token)
    return [option for option in offer.options[1:] if option.valid]


def _options(client: FlaskClient, world, **fields: object):  # type: ignore[no-untyped-def]
    response = simulate(client, world, **fields)
    assert response.status_code == 303
    return response.headers["Location"]


def test_the_options_start_with_four_plans_and_a_link_to_all(client: FlaskClient) -> None:
    world = debt_world(amounts=(400_000, 200_000), days_late=200)
    sign_in(client, world)
    path = _options(client, world)
    snapshot = db.session.scalars(sa.select(OfferSnapshot)).one()
    plans = [
        o for o in load_offer(db.session, world.debtor.id, snapshot.token)[1].options[1:] if o.valid
    ]
    assert len(plans) > 4, "the policy must offer more than four plans for this test"
    page = parse_page(client.get(path))
    assert len(page.select(".plan")) == 4
    more = page.find("a", string=re.compile(r"Ver todas as \d+ opções"))
    assert more is not None and str(len(plans)) in more.get_text()
    everything = parse_page(client.get(more["href"].split("#")[0]))
    assert len(everything.select(".plan")) == len(plans)
    assert everything.find("a", string=re.compile("Ver todas")) is None


def test_the_plan_that_fits_the_budget_is_in_view_first(client: FlaskClient) -> None:
    world = debt_world(amounts=(400_000, 200_000), days_late=200)
    sign_in(client, world)
    path = _options(client, world)
    snapshot = db.session.scalars(sa.select(OfferSnapshot)).one()
    plans = [
        o for o in load_offer(db.session, world.debtor.id, snapshot.token)[1].options[1:] if o.valid
    ]
    longest = plans[-1]  # only the longest plan fits a budget just above its installment
    budget = longest.largest_installment_cents + 1
    path = _options(client, world, budget=f"{budget // 100},{budget % 100:02d}")
    page = parse_page(client.get(path))
    card = page.select_one(".budget-answer")
    choose = card.find("a", string="Escolher esta opção")
    assert choose is not None and choose["href"].endswith(f"parcelas={longest.payment_count}")
    # the card comes before every option on the page, and the plan is among the four listed
    sections = page.select(".budget-answer, .option, .plan")
    assert "budget-answer" in sections[0]["class"]
    fits = page.select(".plan.option--fits")
    assert len(fits) == 1 and fits[0]["id"] == f"opcao-{longest.payment_count}"
    assert len(page.select(".plan")) == 4


def test_the_cash_discount_names_the_rule_that_gave_it(client: FlaskClient) -> None:
    world = debt_world(amounts=(40_000,), days_late=200)
    sign_in(client, world)
    page = parse_page(client.get(_options(client, world)))
    policy = current_policy(db.session, world.creditor.id)
    tier = policy.tier_for(200)
    assert tier is not None and tier.discount_pct > 0
    cash = page.select_one(".option").get_text(" ", strip=True)
    assert "Desconto de" in cash
    assert f"com {tier.min_days_overdue} dias de atraso ou mais" in cash
    pct = f"{tier.discount_pct.normalize():f}".replace(".", ",")
    assert f"até {pct}% de desconto à vista" in cash
