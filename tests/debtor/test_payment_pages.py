"""Payment pages in the embedded default (sandbox provider)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.domain.pix import parse_brcode
from portal.extensions import db
from portal.models import Payment
from tests.debtor.test_journey import sign_in
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement


def _pay(client: FlaskClient, agreement_id: int, method: str):  # type: ignore[no-untyped-def]
    soup = parse_page(client.get(f"/acordos/{agreement_id}"))
    form = soup.find("form", action=f"/acordos/{agreement_id}/pagamentos/0/{method}")
    return client.post(form["action"], data={"csrf_token": csrf_token(soup)})


def test_pix_page_shows_the_payee_before_the_code(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    response = _pay(client, agreement.id, "pix")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    soup = parse_page(page)
    text = soup.get_text(" ", strip=True)
    payee_at = text.index(world.creditor.cnpj_formatted)
    code_at = text.index("Escaneie o código")
    assert payee_at < code_at, "the payee is shown before the code (anti-fraud)"
    payment = db.session.scalars(sa.select(Payment)).one()
    assert soup.find("textarea", id="pix-code").get_text() == payment.pix_payload
    svg = soup.select_one(".qr svg")
    assert svg is not None and svg.find("path") is not None
    assert soup.select_one(".qr")["role"] == "img"
    assert "Simular pagamento" in text  # sandbox only
    status = client.get(soup.find(id="pix-status")["data-status-url"])
    assert status.json == {"status": "awaiting", "paid": False, "refunding": False, "ended": False}
    assert status.headers["Cache-Control"] == "no-store"


def test_simulated_payment_marks_the_installment_paid(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    soup = parse_page(client.get(_pay(client, agreement.id, "pix").headers["Location"]))
    form = soup.find("form", action=lambda a: a and a.startswith("/sandbox/pix/"))
    back = client.post(form["action"], data={"csrf_token": csrf_token(soup)})
    page = parse_page(client.get(back.headers["Location"]))
    assert "Pagamento recebido" in page.get_text()
    assert page.select_one(".qr") is None
    agreement_page = parse_page(client.get(f"/acordos/{agreement.id}"))
    statuses = [s.get_text(strip=True) for s in agreement_page.select(".installment__status")]
    assert statuses[0] == "paga"
    assert agreement_page.find("form", action=f"/acordos/{agreement.id}/pagamentos/1/pix")


def test_card_return_page_never_marks_anything_paid(client: FlaskClient) -> None:
    """Scenario 28 (C13): hitting the success URL without an event leaves it pending."""
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=2)
    response = _pay(client, agreement.id, "card")
    assert response.status_code == 303
    assert "/sandbox/checkout/" in response.headers["Location"]
    payment = db.session.scalars(sa.select(Payment)).one()
    attempt_path = f"/acordos/{agreement.id}/pagamentos/0/cartao/{payment.attempt}"
    assert response.headers["Location"].endswith(payment.provider_ref)
    page = parse_page(client.get(f"{attempt_path}/retorno"))
    assert page.h1.get_text() == "Confirmando o pagamento"
    db.session.refresh(payment)
    assert payment.status == "awaiting"
    cancelled = parse_page(client.get(f"{attempt_path}/cancelado"))
    assert cancelled.h1.get_text() == "Pagamento não concluído"


def test_card_through_the_hosted_page_stand_in(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=2)
    hosted = (
        _pay(client, agreement.id, "card")
        .headers["Location"]
        .removeprefix("https://portal.test.example")
    )
    soup = parse_page(client.get(hosted))
    assert world.creditor.cnpj_formatted in soup.get_text()
    back = client.post(hosted, data={"csrf_token": csrf_token(soup), "acao": "pagar"})
    page = parse_page(
        client.get(back.headers["Location"].removeprefix("https://portal.test.example"))
    )
    assert page.h1.get_text() == "Pagamento confirmado"


def test_paying_needs_csrf_and_ownership(client: FlaskClient, app: Flask) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=2)
    assert client.post(f"/acordos/{agreement.id}/pagamentos/0/pix").status_code == 400
    _pay(client, agreement.id, "pix")
    payment = db.session.scalars(sa.select(Payment)).one()
    other_world = debt_world()
    other = app.test_client()
    sign_in(other, other_world)
    soup = parse_page(other.get("/acordos"))
    for path in (
        f"/pagamentos/{payment.id}/pix",
        f"/pagamentos/{payment.id}/situacao",
        f"/acordos/{agreement.id}/pagamentos/0/cartao/{payment.attempt}/retorno",
        f"/acordos/{agreement.id}",
    ):
        assert other.get(path).status_code == 404, path
    stolen = other.post(
        f"/acordos/{agreement.id}/pagamentos/0/pix", data={"csrf_token": csrf_token(soup)}
    )
    assert stolen.status_code == 404
    assert (
        other.post(
            f"/acordos/{agreement.id}/pagamentos/0/bitcoin", data={"csrf_token": csrf_token(soup)}
        ).status_code
        == 404
    )


def test_a_tampered_amount_or_installment_is_ignored(client: FlaskClient, app: Flask) -> None:
    """Scenario 27: the amount comes from the installment, never from the form."""
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    first = agreement.installments[0]
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    response = client.post(
        f"/acordos/{agreement.id}/pagamentos/0/pix",
        data={
            "csrf_token": csrf_token(soup),
            "amount": "1",
            "amount_cents": "1",
            "installment_id": str(agreement.installments[2].id),
        },
    )
    assert response.status_code == 303
    payment = db.session.scalars(sa.select(Payment)).one()
    assert payment.installment_id == first.id
    assert payment.amount_cents == first.amount_cents > 1
    assert parse_brcode(str(payment.pix_payload)).amount_cents == first.amount_cents
    # A later installment cannot be paid before the one that is due (next payable only).
    later = client.post(
        f"/acordos/{agreement.id}/pagamentos/2/pix", data={"csrf_token": csrf_token(soup)}
    )
    assert later.status_code == 303
    assert later.headers["Location"].endswith(f"/acordos/{agreement.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_cancelling_the_agreement_withdraws_its_pix_code_and_returns_late_money(
    client: FlaskClient, app: Flask
) -> None:
    """Issue 12: the code stops being payable and says so; money that still arrives goes back,
    and the debtor is told what arrived, why it goes back and when."""
    from portal.adapters.email.outbox import get_outbox_message, list_outbox
    from portal.core.clock import now_utc
    from portal.services.payments import process_event, provider

    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    pix_path = _pay(client, agreement.id, "pix").headers["Location"]
    payment = db.session.scalars(sa.select(Payment)).one()
    assert payment.status == "awaiting"
    # The debtor cancels (the step-up code itself is tested in test_step_up.py).
    from portal.core.context import SYSTEM
    from portal.services.negotiation import cancel_by_debtor

    with app.app_context():
        cancel_by_debtor(db.session, db.session.merge(agreement), actor=SYSTEM, now=now_utc())
        db.session.commit()
    db.session.refresh(payment)
    assert payment.status == "canceled"  # closed at the provider after the commit
    page = parse_page(client.get(pix_path))
    assert "Este código foi cancelado, não pague" in page.get_text()
    assert page.select_one(".qr") is None and page.find("textarea", id="pix-code") is None
    status = client.get(page.find(id="pix-status")["data-status-url"]).json
    assert status["ended"] is True and status["paid"] is False

    # The payer's bank had already sent the money: the provider reports a success anyway.
    with app.app_context():
        event = provider().simulate_success(str(payment.provider_ref), now_utc())
        process_event(db.session, "sandbox", event, now=now_utc())
        db.session.commit()
    client.get("/")  # lets the queued refund and e-mail run, as a worker would
    db.session.refresh(payment)
    assert payment.applied_cents == 0
    assert payment.refunded_cents == payment.amount_received_cents > 0
    assert payment.status == "refunded"
    outbox = app.config["DEV_OUTBOX_DIR"]
    # The outbox is the app's, shared with other tests: find this agreement's message.
    texts = [
        get_outbox_message(outbox, e.key).text
        for e in list_outbox(outbox)
        if e.subject == "Vamos devolver o seu pagamento"
    ]
    text = next(t for t in texts if f"acordo nº {agreement.id} " in t)
    assert "devolver o valor integral" in text
    assert "no mesmo dia" in text
    page = parse_page(client.get(pix_path))
    assert "acordo encerrado; ele será devolvido" in page.get_text()


def test_the_status_poll_costs_two_statements(client: FlaskClient, app: Flask) -> None:
    """The Pix page polls every few seconds: the signed-in debtor's row with whether a link
    of this session was revoked (session revocation), then the payment with its agreement and
    creditor in one statement."""
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=2)
    _pay(client, agreement.id, "pix")
    payment = db.session.scalars(sa.select(Payment)).one()
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("SELECT"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(f"/pagamentos/{payment.id}/situacao")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert response.get_json() == {
        "status": payment.status,
        "paid": False,
        "refunding": False,
        "ended": False,
    }
    assert len(seen) == 2, seen
