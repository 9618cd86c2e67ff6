"""The agreement page's Pix Automático: the plain explanation, the authorisation request with
its QR code, the sandbox's stand-in for her bank, the status, and cancelling with a
confirmation (audit records written with each change)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.core.clock import today_br
from portal.domain.pix import parse_brcode
from portal.extensions import db
from portal.models import AuditEvent, PixRecurrence
from tests.debtor.test_journey import sign_in
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement


def test_authorise_see_status_and_cancel(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3, first_due=today_br() + timedelta(days=5))
    page = parse_page(client.get(f"/acordos/{agreement.id}"))
    link = page.find("a", string="Autorizar débito automático via Pix")
    assert link is not None
    explained = parse_page(client.get(link["href"]))
    text = explained.get_text(" ", strip=True)
    assert "debitada da sua conta" in text and "cancelar quando quiser" in text
    schedule = explained.select("#automatico-schedule li")
    assert len(schedule) == 3
    assert agreement.installments[1].due_date.strftime("%d/%m/%Y") in schedule[1].get_text()
    assert db.session.scalar(sa.select(sa.func.count(PixRecurrence.id))) == 0  # nothing yet
    form = explained.find("form", action=f"/acordos/{agreement.id}/debito-automatico")
    answer = client.post(form["action"], data={"csrf_token": csrf_token(explained)})
    assert answer.status_code == 303
    waiting = parse_page(client.get(answer.headers["Location"]))
    code = waiting.find("textarea", id="pix-code").get_text()
    assert parse_brcode(code).is_recurring
    assert waiting.select_one(".qr svg") is not None
    shown = parse_page(client.get(f"/acordos/{agreement.id}"))
    assert "Aguardando a sua autorização" in shown.select_one("#automatico-status").get_text()
    # The sandbox's stand-in for her bank approves it.
    bank = waiting.find("form", action=lambda a: a and a.startswith("/sandbox/rec/"))
    client.post(bank["action"], data={"csrf_token": csrf_token(waiting)})
    shown = parse_page(client.get(f"/acordos/{agreement.id}"))
    assert "Ativo: autorizado no seu banco" in shown.select_one("#automatico-status").get_text()
    # Cancelling asks first; the GET changes nothing.
    cancel = shown.find("a", string="Cancelar o débito automático")
    confirm = parse_page(client.get(cancel["href"]))
    assert "Cancelar o débito automático?" in confirm.get_text()
    recurrence = db.session.scalars(sa.select(PixRecurrence)).one()
    assert recurrence.status == "approved"
    client.post(cancel["href"], data={"csrf_token": csrf_token(confirm)})
    db.session.refresh(recurrence)
    assert recurrence.status == "cancelled" and recurrence.cancelled_by == "payer"
    after = parse_page(client.get(f"/acordos/{agreement.id}"))
    assert "foi cancelado" in after.select_one("#automatico-status").get_text()
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.like("pix_automatico.%"))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "pix_automatico.requested",
        "pix_automatico.approved",
        "pix_automatico.cancelled",
    ]


def test_no_choice_for_a_single_payment(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=1)
    page = parse_page(client.get(f"/acordos/{agreement.id}"))
    assert page.find(id="pix-automatico") is None
    assert client.get(f"/acordos/{agreement.id}/debito-automatico").status_code == 303
