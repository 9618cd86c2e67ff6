"""The early-payment pages ("Quitar agora", "Antecipar parcelas") in the embedded default:
pt-BR text, no script needed (plain forms), the amount computed on the server whatever the
form says."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core import clock
from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import Agreement, Payment
from portal.services.payments import early_options, process_event, provider, start_payment
from tests.debtor.test_journey import sign_in
from tests.html import csrf_token, parse_page
from tests.journey_helpers import World, debt_world, make_agreement


@pytest.fixture
def month_later() -> Iterator[Callable[[], None]]:
    """Moves the app's clock a month ahead when called (what CLOCK_OFFSET_DAYS does for a
    server); the session's own timers keep real time, so the debtor stays signed in."""
    try:
        yield lambda: clock.set_offset(timedelta(days=30))
    finally:
        clock.set_offset(timedelta(0))


def _agreement(client: FlaskClient, app: Flask, payments: int = 4) -> tuple[World, Agreement]:
    """Signed in, with an agreement on the 2,49 % plan whose entrada is paid."""
    world = debt_world(policy="horizonte", amounts=(150_000, 90_000), days_late=90)
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=payments)
    with app.app_context():
        entrada = start_payment(
            db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
        )
        event = provider().simulate_success(str(entrada.provider_ref), now_utc())
        process_event(db.session, "sandbox", event, now=now_utc())
        db.session.commit()
    db.session.refresh(agreement)
    assert agreement.state == "active"
    return world, agreement


def _text(soup) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"[ \t\n]+", " ", soup.get_text(" ", strip=True))  # keeps the NBSP of R$


def _brl(cents: int) -> str:
    return "R$\xa0" + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def test_the_agreement_page_offers_to_settle_and_prepay(
    client: FlaskClient, app: Flask, month_later: Callable[[], None]
) -> None:
    _world, agreement = _agreement(client, app)
    month_later()
    quote = early_options(agreement, today_br()).settlement
    assert quote is not None
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    section = soup.find("section", attrs={"aria-labelledby": "early-title"})
    text = _text(section)
    assert "Pagar antes e economizar" in text
    assert (
        f"Quitando hoje, você paga {_brl(quote.amount_cents)} em vez de "
        f"{_brl(quote.face_cents)}: economiza {_brl(quote.discount_cents)} em juros." in text
    )
    links = {a.get_text(strip=True): a["href"] for a in section.find_all("a")}
    assert links == {
        "Quitar agora": f"/acordos/{agreement.id}/quitar",
        "Antecipar parcelas": f"/acordos/{agreement.id}/antecipar",
    }


def test_settle_page_shows_today_amount_and_pays_what_the_server_computes(
    client: FlaskClient, app: Flask, month_later: Callable[[], None]
) -> None:
    _world, agreement = _agreement(client, app)
    month_later()
    quote = early_options(agreement, today_br()).settlement
    assert quote is not None
    path = f"/acordos/{agreement.id}/quitar"
    soup = parse_page(client.get(path))
    text = _text(soup)
    assert soup.h1.get_text(strip=True) == "Quitar agora"
    assert soup.find(id="settle-amount").get_text(strip=True) == _brl(quote.amount_cents)
    assert soup.find(id="settle-savings").get_text(strip=True) == _brl(quote.discount_cents)
    assert f"Soma das parcelas em aberto {_brl(quote.face_cents)}" in text
    assert f"Valor válido para pagamento hoje, {today_br():%d/%m/%Y}." in text
    assert "As 3 parcelas que serão quitadas" in text
    assert "art. 52, § 2º" in text
    for name in ("Parcela 1 de 3", "Parcela 2 de 3", "Parcela 3 de 3"):
        assert name in text
    assert "Entrada" not in _text(soup.find("section", attrs={"aria-labelledby": "covered-title"}))
    # A plain form: the method is the button pressed; nothing about the amount is a field.
    form = soup.select_one("section.card--action form")
    assert not soup.find_all("script", src=lambda s: s and "early" in s)
    assert {i["name"] for i in form.find_all("input")} == {"csrf_token"}
    buttons = {b["value"]: b.get_text(strip=True) for b in form.find_all("button")}
    assert buttons == {
        "pix": f"Pagar {_brl(quote.amount_cents)} com Pix",
        "card": "Pagar com cartão",
    }
    tampered = {
        "csrf_token": csrf_token(soup),
        "metodo": "pix",
        "valor": "1,00",
        "amount_cents": "100",
        "parcelas": "1",
    }
    response = client.post(path, data=tampered)
    assert response.status_code == 303
    payment = db.session.scalars(sa.select(Payment).where(Payment.kind == "settlement")).one()
    assert response.headers["Location"].endswith(f"/pagamentos/{payment.id}/pix")
    assert payment.amount_cents == quote.amount_cents
    assert payment.installment_numbers == [1, 2, 3]
    pix = parse_page(client.get(response.headers["Location"]))
    pix_text = _text(pix)
    assert f"Valor: {_brl(quote.amount_cents)}" in pix_text
    assert (
        f"Acordo nº {agreement.id} · quitação antecipada (3 parcelas, com desconto de "
        f"{_brl(quote.discount_cents)})" in pix_text
    )

    # The bank pays (sandbox): everything is settled and the quitação letter is on its way.
    form = pix.find("form", action=lambda a: a and a.startswith("/sandbox/pix/"))
    client.post(form["action"], data={"csrf_token": csrf_token(pix)})
    page = parse_page(client.get(f"/acordos/{agreement.id}"))
    page_text = _text(page)
    assert "quitado" in page.find(class_="state").get_text()
    assert [s.get_text(strip=True) for s in page.select(".installment__status")] == ["paga"] * 4
    assert "Termo de quitação (PDF)" in page_text
    assert page.find("section", attrs={"aria-labelledby": "early-title"}) is None


def test_prepay_page_lists_the_last_installments_and_refuses_a_made_up_choice(
    client: FlaskClient, app: Flask, month_later: Callable[[], None]
) -> None:
    _world, agreement = _agreement(client, app, payments=5)
    month_later()
    options = early_options(agreement, today_br())
    path = f"/acordos/{agreement.id}/antecipar"
    soup = parse_page(client.get(path))
    assert soup.h1.get_text(strip=True) == "Antecipar parcelas"
    labels = [label.get_text(strip=True) for label in soup.select(".choice label")]
    assert labels == [
        f"A última parcela: {_brl(options.prepayments[0].amount_cents)} hoje",
        f"As 2 últimas parcelas: {_brl(options.prepayments[1].amount_cents)} hoje",
        f"As 3 últimas parcelas: {_brl(options.prepayments[2].amount_cents)} hoje",
    ]
    assert soup.find("input", attrs={"name": "parcelas", "value": "1"}).has_attr("checked")
    two = options.prepayments[1]
    assert f"Em vez de {_brl(two.face_cents)}: você economiza {_brl(two.discount_cents)}." in _text(
        soup
    )
    token = csrf_token(soup)

    for data, message in (
        ({"parcelas": "99", "metodo": "pix"}, "Escolha uma das opções de parcelas."),
        ({"parcelas": "4", "metodo": "pix"}, "Escolha uma das opções de parcelas."),
        ({"parcelas": "dois", "metodo": "pix"}, "Escolha uma das opções de parcelas."),
        ({"parcelas": "2", "metodo": "boleto"}, "Escolha como pagar: Pix ou cartão."),
    ):
        refused = client.post(path, data={"csrf_token": token, **data})
        assert refused.status_code == 400
        assert message in _text(parse_page(refused))
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Payment).where(Payment.kind != "installment")
        )
        == 0
    )

    response = client.post(
        path, data={"csrf_token": token, "parcelas": "2", "metodo": "card", "valor": "0,01"}
    )
    assert response.status_code == 303
    assert "/sandbox/checkout/" in response.headers["Location"]
    payment = db.session.scalars(sa.select(Payment).where(Payment.kind == "prepayment")).one()
    assert (payment.amount_cents, payment.installment_numbers) == (two.amount_cents, [3, 4])


def test_early_payment_pages_are_for_the_debtors_own_open_agreements(
    client: FlaskClient, app: Flask
) -> None:
    world = debt_world(policy="horizonte")
    sign_in(client, world)
    single = make_agreement(world, payment_count=1)
    response = client.get(f"/acordos/{single.id}/quitar")
    assert response.status_code == 303
    page = parse_page(client.get(response.headers["Location"]))
    assert "Não há parcelas para pagar antecipadamente neste acordo hoje." in _text(page)
    assert page.find("section", attrs={"aria-labelledby": "early-title"}) is None
    stranger = make_agreement(debt_world(policy="horizonte"), payment_count=3)
    assert client.get(f"/acordos/{stranger.id}/quitar").status_code == 404
    assert client.get(f"/acordos/{stranger.id}/antecipar").status_code == 404


def test_prepaying_waits_for_the_entrada(client: FlaskClient, app: Flask) -> None:
    world = debt_world(policy="horizonte")
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    assert client.get(f"/acordos/{agreement.id}/antecipar").status_code == 303
    soup = parse_page(client.get(f"/acordos/{agreement.id}/quitar"))
    assert "As 3 parcelas que serão quitadas" in _text(soup)  # the entrada and both others


def test_settle_page_in_english(
    client: FlaskClient, app: Flask, month_later: Callable[[], None]
) -> None:
    _world, agreement = _agreement(client, app)
    month_later()
    english = {"Accept-Language": "en"}
    soup = parse_page(client.get(f"/acordos/{agreement.id}/quitar", headers=english), lang="en")
    assert soup.h1.get_text(strip=True) == "Settle now"
    assert "You save" in _text(soup)
