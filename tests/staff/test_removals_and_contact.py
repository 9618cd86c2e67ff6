"""Back-office: the removals list with its confirmation button, the KPI count, and the
company's support channels edited by admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from portal.core.clock import today_br
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import OutboxEvent, StaffRole
from portal.services.negotiation import record_payment
from tests.access_helpers import events, form_post, make_staff, staff_login
from tests.html import parse_page
from tests.journey_helpers import World, debt_world, make_agreement


def _paid(days_ago: int) -> World:
    world = debt_world()
    world.items[0].bureau_reported = True
    db.session.commit()
    agreement = make_agreement(world, payment_count=1)
    installment = agreement.installments[0]
    paid_at = datetime.now(UTC) - timedelta(days=days_ago)
    record_payment(db.session, installment, installment.amount_cents, paid_at=paid_at, actor=SYSTEM)
    db.session.commit()
    return world


def test_overdue_list_confirmation_and_kpi(client: FlaskClient) -> None:
    late, fresh, foreign = _paid(20), _paid(1), _paid(20)
    agent = make_staff(late.creditor, fresh.creditor, role=StaffRole.AGENT)
    staff_login(client, agent)
    soup = parse_page(client.get("/atendimento/retiradas"))
    refs = [h.get_text() for h in soup.select(".removal-row h2")]
    assert len(refs) == 1 and late.items[0].external_reference in refs[0]
    assert foreign.items[0].external_reference not in soup.get_text()  # another company's
    every = parse_page(client.get("/atendimento/retiradas?situacao=todas")).get_text()
    assert fresh.items[0].external_reference in every
    kpis = parse_page(client.get(f"/atendimento/indicadores?credor={late.creditor.id}"))
    assert kpis.select_one(".kpi-overdue-removals").get_text(strip=True).startswith("1")

    item = late.items[0]
    action = f"/atendimento/retiradas/{item.id}/confirmar"
    future = (today_br() + timedelta(days=1)).isoformat()
    refused = form_post(client, "/atendimento/retiradas", {"removed_on": future}, action=action)
    assert refused.status_code == 422
    assert "não pode ser futura" in parse_page(refused).select_one(".notice--error").get_text()
    empty = form_post(client, "/atendimento/retiradas", {"removed_on": ""}, action=action)
    assert empty.status_code == 422
    done = form_post(
        client, "/atendimento/retiradas", {"removed_on": today_br().isoformat()}, action=action
    )
    assert done.status_code == 303
    db.session.refresh(item)
    assert item.bureau_removed_on == today_br()
    assert [e.subject_id for e in events("item.bureau_removed")] == [str(item.id)]
    assert db.session.query(OutboxEvent).filter_by(type="item.bureau_removed").count() == 1
    assert parse_page(client.get("/atendimento/retiradas")).select(".removal-row") == []
    note = parse_page(client.get(f"/atendimento/devedores/{late.debtor.id}")).select_one(
        ".bureau-note"
    )
    assert note is not None and today_br().strftime("%d/%m/%Y") in note.get_text()
    kpis = parse_page(client.get(f"/atendimento/indicadores?credor={late.creditor.id}"))
    assert kpis.select_one(".kpi-overdue-removals").get_text(strip=True) == "0"
    # Outside the staff member's companies: 404.
    other = f"/atendimento/retiradas/{foreign.items[0].id}/confirmar"
    outside = form_post(
        client, "/atendimento/retiradas", {"removed_on": today_br().isoformat()}, action=other
    )
    assert outside.status_code == 404


def test_viewers_see_the_list_but_cannot_confirm(client: FlaskClient) -> None:
    late = _paid(20)
    viewer = make_staff(late.creditor, role=StaffRole.VIEWER, email="leitor@example.com")
    staff_login(client, viewer)
    soup = parse_page(client.get("/atendimento/retiradas"))
    assert soup.select(".removal-row") and not soup.select(".removal-row form")
    action = f"/atendimento/retiradas/{late.items[0].id}/confirmar"
    denied = form_post(
        client, "/atendimento/retiradas", {"removed_on": today_br().isoformat()}, action=action
    )
    assert denied.status_code == 403


def test_admin_publishes_the_company_channels(client: FlaskClient) -> None:
    world, other = debt_world(), debt_world()
    admin = make_staff(world.creditor, role=StaffRole.ADMIN, email="admin@example.com")
    staff_login(client, admin)
    path = f"/atendimento/empresas/{world.creditor.id}/atendimento"
    assert world.creditor.display_name in client.get("/atendimento/empresas").get_data(True)
    bad = form_post(
        client,
        path,
        {"phone": "123", "whatsapp": "(11) 3000-0000", "email": "x", "hours": ""},
    )
    assert bad.status_code == 422
    errors = {e.get_text(" ", strip=True) for e in parse_page(bad).select(".field__error")}
    assert any("Telefone inválido" in e for e in errors)
    assert any("WhatsApp inválido" in e for e in errors)
    assert any("E-mail inválido" in e for e in errors)
    alone = form_post(client, path, {"phone": "", "whatsapp": "", "email": "", "hours": "8h"})
    assert alone.status_code == 422
    good = form_post(
        client,
        path,
        {
            "phone": "0800 727 0000",
            "whatsapp": "(11) 98765-4321",
            "email": "SAC@Credora.example",
            "hours": "Seg. a sex., 8h às 20h",
        },
    )
    assert good.status_code == 303
    db.session.refresh(world.creditor)
    creditor = world.creditor
    assert (creditor.support_phone, creditor.support_whatsapp, creditor.support_email) == (
        "08007270000",
        "+5511987654321",
        "sac@credora.example",
    )
    [event] = events("creditor.contact_changed")
    assert event.creditor_id == creditor.id
    assert set(event.details["changed"]) == {"phone", "whatsapp", "email", "hours"}
    form = parse_page(client.get(path))
    assert form.find("input", attrs={"name": "phone"})["value"] == "0800 727 0000"
    # Another company, agents: no way in.
    assert client.get(f"/atendimento/empresas/{other.creditor.id}/atendimento").status_code == 404
    agent = make_staff(world.creditor, role=StaffRole.AGENT, email="agente2@example.com")
    client.post("/atendimento/sair")
    other_client = client.application.test_client()
    staff_login(other_client, agent)
    assert other_client.get(path).status_code == 403
