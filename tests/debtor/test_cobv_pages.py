"""An installment paid late by a Pix charge with a due date, in the embedded default: the pay
page's figures, the sandbox bank's page, the installment paid once, the receipt."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc, today_br
from portal.core.formatting import brl
from portal.domain.calendar import anbima_calendar
from portal.domain.cobv import CobvTerms, cobv_amount
from portal.extensions import db
from portal.models import Document, DocumentKind, Payment, SandboxCharge
from portal.services.documents.render import render_html
from portal.services.policies import policy_of
from tests.debtor.test_journey import sign_in
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement


def _agreement(client: FlaskClient):  # type: ignore[no-untyped-def]
    world = debt_world()
    sign_in(client, world)
    return make_agreement(world, payment_count=3)


def _open_pix(client: FlaskClient, agreement_id: int):  # type: ignore[no-untyped-def]
    soup = parse_page(client.get(f"/acordos/{agreement_id}"))
    form = soup.find("form", action=f"/acordos/{agreement_id}/pagamentos/0/pix")
    response = client.post(form["action"], data={"csrf_token": csrf_token(soup)})
    assert response.status_code == 303
    payment = db.session.scalars(sa.select(Payment)).one()
    return payment, parse_page(client.get(response.headers["Location"]))


def _days_pass(client: FlaskClient, payment: Payment, days_late: int):  # type: ignore[no-untyped-def]
    """As if time had passed since the code was made: the installment (and the charge at the
    sandbox) fell due ``days_late`` days ago. The page is read again."""
    due = today_br() - timedelta(days=days_late)
    payment.installment.due_date = due
    charge = db.session.scalars(sa.select(SandboxCharge)).one()
    charge.details = {**charge.details, "due": {**charge.details["due"], "due_date": str(due)}}
    db.session.commit()
    return parse_page(client.get(f"/pagamentos/{payment.id}/pix"))


def _expected(payment: Payment):  # type: ignore[no-untyped-def]
    policy = policy_of(payment.agreement.policy_version)
    terms = CobvTerms(
        payment.amount_cents,
        payment.installment.due_date,
        policy.breach.breach_after_days,
        policy.charges.multa_pct,
        policy.charges.juros_monthly_pct,
    )
    return cobv_amount(terms, today_br(), anbima_calendar())


def test_a_late_installment_is_paid_with_the_days_multa_and_juros_on_top(
    app: Flask, client: FlaskClient
) -> None:
    agreement = _agreement(client)
    payment, _ = _open_pix(client, agreement.id)  # a code made before the due date
    assert payment.flags["due_date_charge"] is True
    pix_page = _days_pass(client, payment, 12)
    expected = _expected(payment)
    assert expected.late_days >= 10 and expected.multa_cents > 0 and expected.juros_cents > 0

    # Before she pays, the pay page tells her what her bank will show today.
    late = pix_page.select_one(".late-amount")
    assert late is not None
    text = late.get_text(" ", strip=True)
    assert "venceu em" in text and "multa e os juros de mora do acordo" in text
    for cents in (payment.amount_cents, expected.multa_cents, expected.juros_cents):
        assert brl(cents) in text
    assert f"Total hoje {brl(expected.total_cents)}" in text
    assert f"({expected.late_days} dias)" in text

    # The sandbox bank shows the updated amount and pays it.
    link = pix_page.find("a", href=f"/sandbox/banco/{payment.provider_ref}")
    assert link is not None
    bank = parse_page(client.get(link["href"]))
    assert brl(expected.total_cents) in bank.select_one(".bank-total").get_text()
    assert brl(expected.multa_cents) in bank.get_text()
    form = bank.find("form", action=f"/sandbox/pix/{payment.provider_ref}/pagar")
    assert form.button.get_text(strip=True) == f"Pagar {brl(expected.total_cents)}"
    back = client.post(form["action"], data={"csrf_token": csrf_token(bank)})
    assert back.headers["Location"].endswith(f"/pagamentos/{payment.id}/pix")
    assert "Pagamento recebido" in parse_page(client.get(back.headers["Location"])).get_text()

    # The installment is paid once, with its own amount; multa and juros are kept apart.
    db.session.expire_all()
    paid = db.session.get(Payment, payment.id)
    assert paid is not None
    installment = paid.installment
    assert (installment.status, installment.paid_cents) == ("paid", installment.amount_cents)
    assert (paid.applied_cents, paid.excess_cents) == (installment.amount_cents, 0)
    assert paid.amount_received_cents == installment.amount_cents
    assert paid.flags["late_charges_cents"] == expected.charges_cents
    assert "held" not in paid.flags and "duplicate" not in paid.flags

    # The receipt shows the installment and, apart, the multa and juros paid on top.
    receipt = db.session.scalars(
        sa.select(Document).where(
            Document.kind == DocumentKind.RECEIPT, Document.payment_id == paid.id
        )
    ).one()
    with app.app_context():
        html = BeautifulSoup(render_html(receipt, now_utc()), "html.parser").get_text(
            " ", strip=True
        )
    assert f"Valor da parcela {brl(installment.amount_cents)}" in html
    assert f"Valor pago {brl(installment.amount_cents)}" in html
    assert f"Multa e juros de mora {brl(expected.charges_cents)}" in html
    assert f"Total pago {brl(installment.amount_cents + expected.charges_cents)}" in html


def test_before_the_due_date_the_page_only_warns_and_the_bank_asks_the_amount(
    client: FlaskClient,
) -> None:
    agreement = _agreement(client)
    payment, pix_page = _open_pix(client, agreement.id)  # not due yet
    assert payment.flags["due_date_charge"] is True
    assert pix_page.select_one(".late-amount") is None
    assert "Se for pago depois dessa data" in pix_page.get_text()
    bank = parse_page(client.get(f"/sandbox/banco/{payment.provider_ref}"))
    assert brl(payment.amount_cents) in bank.select_one(".bank-total").get_text()
    assert "Multa" not in bank.get_text()


def test_past_its_last_day_the_bank_refuses_and_nothing_is_paid(client: FlaskClient) -> None:
    agreement = _agreement(client)
    payment, _ = _open_pix(client, agreement.id)
    _days_pass(client, payment, 90)
    bank = parse_page(client.get(f"/sandbox/banco/{payment.provider_ref}"))
    assert "O prazo para pagar esta cobrança terminou" in bank.get_text()
    assert bank.find("form", action=f"/sandbox/pix/{payment.provider_ref}/pagar") is None
    refused = client.post(
        f"/sandbox/pix/{payment.provider_ref}/pagar", data={"csrf_token": csrf_token(bank)}
    )
    assert refused.headers["Location"].endswith(f"/sandbox/banco/{payment.provider_ref}")
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "awaiting"  # type: ignore[union-attr]
    assert agreement.installments[0].status == "pending"


def test_the_bank_page_is_only_for_charges_with_a_due_date(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=1)  # à vista: an immediate charge
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    form = soup.find("form", action=f"/acordos/{agreement.id}/pagamentos/0/pix")
    client.post(form["action"], data={"csrf_token": csrf_token(soup)})
    payment = db.session.scalars(sa.select(Payment)).one()
    assert not (payment.flags or {}).get("due_date_charge")
    assert client.get(f"/sandbox/banco/{payment.provider_ref}").status_code == 404
    assert client.get("/sandbox/banco/sbx_cobv_unknown").status_code == 404


def test_an_installment_already_late_gets_an_immediate_charge_at_its_amount(
    client: FlaskClient,
) -> None:
    """The API refuses a cobv due before the day it is made: a code first asked for after the
    due date is an immediate one, at the installment's amount, without multa or juros."""
    agreement = _agreement(client)
    agreement.installments[0].due_date = today_br() - timedelta(days=1)
    db.session.commit()
    payment, pix_page = _open_pix(client, agreement.id)
    assert not (payment.flags or {}).get("due_date_charge")
    assert db.session.scalars(sa.select(SandboxCharge)).one().kind == "pix"
    assert pix_page.select_one(".late-amount") is None
    assert pix_page.find("a", href=f"/sandbox/banco/{payment.provider_ref}") is None
