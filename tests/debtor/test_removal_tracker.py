"""The debtor's "Retirada do seu nome dos cadastros" and the company's support channels on
its pages and dead ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from portal.core.clock import today_br
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import Agreement, ItemStatus
from portal.services.integration import set_item_status
from portal.services.negotiation import confirm_removal, record_payment
from tests.debtor.test_journey import sign_in, simulate
from tests.html import parse_page
from tests.journey_helpers import World, debt_world, make_agreement


def _paid(days_ago: int, *, reported: bool = True, **channels: str) -> tuple[World, Agreement]:
    world = debt_world()
    world.items[0].bureau_reported = reported
    for name, value in channels.items():
        setattr(world.creditor, name, value)
    db.session.commit()
    agreement = make_agreement(world, payment_count=1)
    installment = agreement.installments[0]
    paid_at = datetime.now(UTC) - timedelta(days=days_ago)
    record_payment(db.session, installment, installment.amount_cents, paid_at=paid_at, actor=SYSTEM)
    db.session.commit()
    return world, agreement


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return parse_page(response).get_text(" ", strip=True)


def test_tracker_waits_then_shows_the_company_confirmation(client: FlaskClient) -> None:
    world, agreement = _paid(0, support_phone="+551130000000")
    sign_in(client, world)
    path = f"/acordos/{agreement.id}"
    soup = parse_page(client.get(path))
    tracker = soup.select_one(".removal-tracker")
    assert tracker is not None
    text = tracker.get_text(" ", strip=True)
    assert "Retirada do seu nome dos cadastros" in text
    assert "Súmula 548" in text
    assert "ainda não" in text and "Aguardando a empresa" in text
    assert world.items[0].external_reference in text
    assert world.items[1].external_reference not in text  # not reported: no tracker
    assert soup.select_one(".removal--waiting") is not None

    today = today_br()
    confirm_removal(db.session, world.items[0], today, actor=SYSTEM, today=today)
    db.session.commit()
    soup = parse_page(client.get(path))
    text = soup.select_one(".removal-tracker").get_text(" ", strip=True)
    assert "Concluído" in text and today.strftime("%d/%m/%Y") in text
    assert soup.select_one(".removal--done") is not None
    assert soup.select_one(".removal--waiting") is None


def test_overdue_removal_says_what_to_do_with_the_company_channels(client: FlaskClient) -> None:
    world, agreement = _paid(
        20, support_phone="08007270000", support_email="sac@credora.example", support_hours="8h-20h"
    )
    sign_in(client, world)
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    overdue = soup.select_one(".removal--overdue")
    assert overdue is not None
    text = overdue.get_text(" ", strip=True)
    assert "Prazo vencido há" in text and "Procon" in text
    assert overdue.find("a", href="https://www.consumidor.gov.br/") is not None
    contact = soup.select_one(".removal-tracker .company-contact")
    assert contact is not None
    assert "0800 727 0000" in contact.get_text(" ", strip=True)
    assert contact.find("a", href="tel:08007270000") is not None
    assert contact.find("a", href="mailto:sac@credora.example") is not None
    # The home page shows it too, with the company's name.
    home = parse_page(client.get("/inicio")).select_one(".removal-tracker")
    assert home is not None and world.creditor.legal_name in home.get_text(" ", strip=True)


def test_quitacao_without_a_reported_item_explains_the_rule(client: FlaskClient) -> None:
    world, agreement = _paid(1, reported=False)
    sign_in(client, world)
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    assert soup.select_one(".removal-tracker") is None
    assert "Súmula 548" in soup.select_one(".removal-note").get_text()


def test_item_paid_outside_the_portal_is_tracked_on_the_home_page(client: FlaskClient) -> None:
    world = debt_world(amounts=(10_000, 5_000))
    world.items[0].bureau_reported = True
    set_item_status(db.session, world.items[0], ItemStatus.PAID.value, actor=SYSTEM)
    db.session.commit()
    sign_in(client, world)
    soup = parse_page(client.get("/inicio"))
    tracker = soup.select_one(".removal-tracker")
    assert tracker is not None and world.items[0].description in tracker.get_text()


def test_company_channels_on_every_page_and_dead_end(client: FlaskClient) -> None:
    world = debt_world(amounts=(40_000,))
    world.creditor.support_whatsapp = "+5511987654321"
    world.creditor.support_hours = "Seg. a sex., 8h às 20h"
    db.session.commit()
    sign_in(client, world)
    # Home: each company's group carries its channels.
    group = parse_page(client.get("/inicio")).select_one(".creditor-group .company-contact")
    assert group is not None and group.find("a", href="https://wa.me/5511987654321")
    # A company page: the footer carries them.
    soup = parse_page(client.get(f"/simular/{world.creditor.id}"))
    assert "(11) 98765-4321" in soup.select_one(".site-footer .company-contact").get_text()
    # "Nenhuma opção cabe": the channels in the answer itself.
    response = simulate(client, world, budget="1,00")
    options = parse_page(client.get(response.headers["Location"]))
    answer = options.select_one(".budget-answer")
    assert "Nenhuma opção cabe" in answer.get_text()
    assert answer.select_one(".company-contact") is not None
    assert options.select_one(".site-footer .company-contact") is None  # not twice
    # An error page within the company's context.
    agreement = make_agreement(world, payment_count=1)
    missing = client.get(f"/acordos/{agreement.id}/documentos/999999")
    assert missing.status_code == 404
    error = parse_page(missing)
    assert "Precisa de ajuda?" in error.select_one("main").get_text(" ", strip=True)
    assert error.find("a", href="https://wa.me/5511987654321") is not None


def test_a_company_without_channels_points_to_the_official_ones(client: FlaskClient) -> None:
    world = debt_world(amounts=(40_000,))
    sign_in(client, world)
    group = parse_page(client.get("/inicio")).select_one(".creditor-group .company-contact")
    text = group.get_text(" ", strip=True)
    assert "ainda não publicou" in text and world.creditor.cnpj_formatted in text
