"""Issue 12: one live charge per installment, whatever a debtor's tabs do at once.

Six "pay" requests for one installment, Pix, card and boleto mixed, from six signed-in sessions,
released together, on SQLite and on PostgreSQL (``backend``), with the sandbox provider and
with Stripe (the in-memory fake, whose charges live outside our database, as Stripe's do).
Starting a payment locks the installment's row; the open attempt is reused (same method) or
cancelled at the provider before another is created. At the end exactly one charge can be
paid, at the provider and in our records, and every other one was withdrawn at the provider.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.payments.stripe import StripeProvider
from portal.domain.payments import OPEN
from portal.extensions import db
from portal.models import Payment, SandboxCharge
from tests.access_helpers import reminder_link
from tests.concurrency import in_parallel
from tests.fake_stripe import FakeStripe
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement

pytestmark = pytest.mark.real_commits
METHODS = ("pix", "card", "boleto", "card", "boleto", "pix")
ADDRESS = {"cep": "01310100", "endereco": "Av. Paulista, 1000", "cidade": "São Paulo", "uf": "SP"}
SECRET = "whsec_pay_concurrency"
# Stripe objects that can still take money.
LIVE_INTENT = {"requires_payment_method", "requires_confirmation", "requires_action", "processing"}


def _signed_in(app: Flask, token: str, digits: str) -> FlaskClient:
    client = app.test_client()
    page = parse_page(client.get(f"/a/{token}"))
    answer = client.post(f"/a/{token}", data={"csrf_token": csrf_token(page), "digits": digits})
    assert answer.status_code == 303
    return client


def _pay_form(client: FlaskClient, agreement_id: int, method: str) -> tuple[str, str]:
    if method == "boleto":  # its own page: the rules, then the payer's address
        action = f"/acordos/{agreement_id}/pagamentos/0/pagar-com-boleto"
        return action, csrf_token(parse_page(client.get(action)))
    soup = parse_page(client.get(f"/acordos/{agreement_id}"))
    form = soup.find("form", action=f"/acordos/{agreement_id}/pagamentos/0/{method}")
    assert form is not None, method
    return str(form["action"]), csrf_token(soup)


def _live_at_stripe(fake: FakeStripe) -> set[str]:
    intents = {i for i, intent in fake.payment_intents.items() if intent["status"] in LIVE_INTENT}
    sessions = {s for s, session in fake.checkout_sessions.items() if session["status"] == "open"}
    return intents | sessions


@pytest.fixture(params=["sandbox", "stripe"])
def provider(request: pytest.FixtureRequest, backend: Flask) -> Any:
    """The provider the app uses in this test: ``None`` (sandbox) or the fake Stripe."""
    if request.param == "sandbox":
        yield None
        return
    fake = FakeStripe()
    previous = backend.extensions["payment_provider"], backend.config["PAYMENT_PROVIDER"]
    backend.extensions["payment_provider"] = StripeProvider(
        "sk_test_x", (SECRET,), http_client=fake, max_network_retries=0
    )
    backend.config["PAYMENT_PROVIDER"] = "stripe"
    yield fake
    backend.extensions["payment_provider"], backend.config["PAYMENT_PROVIDER"] = previous


def test_six_pay_requests_at_once_leave_one_live_charge(
    backend: Flask, provider: FakeStripe | None
) -> None:
    with backend.app_context():
        world = debt_world()
        agreement = make_agreement(world, payment_count=3)
        agreement_id, installment_id = agreement.id, agreement.installments[0].id
        digits = world.debtor.document[:3]
        tokens = [reminder_link(world.debtor.id, world.creditor.id) for _ in METHODS]
        db.session.remove()
    clients = [_signed_in(backend, token, digits) for token in tokens]
    forms = [
        _pay_form(client, agreement_id, method)
        for client, method in zip(clients, METHODS, strict=True)
    ]

    answers = in_parallel(
        [
            lambda client=client, form=form, method=method: client.post(
                form[0], data={"csrf_token": form[1], **(ADDRESS if method == "boleto" else {})}
            )
            for client, form, method in zip(clients, forms, METHODS, strict=True)
        ]
    )

    assert [getattr(a, "status_code", a) for a in answers] == [303] * len(METHODS)
    with backend.app_context():
        payments = db.session.scalars(
            sa.select(Payment).where(Payment.installment_id == installment_id).order_by(Payment.id)
        ).all()
        live = [p for p in payments if p.status in OPEN]
        assert len(live) == 1, [(p.method, p.status) for p in payments]
        assert {p.status for p in payments if p is not live[0]} <= {"canceled"}
        assert len({p.attempt for p in payments}) == len(payments)
        refs = {p.provider_ref for p in payments}
        assert None not in refs and len(refs) == len(payments)
        if provider is None:
            charges = db.session.scalars(sa.select(SandboxCharge)).all()
            assert {c.ref for c in charges} == refs  # nothing made but what we recorded
            open_charges = {c.ref for c in charges if c.status in OPEN}
        else:
            made = set(provider.payment_intents) | set(provider.checkout_sessions)
            assert made == refs  # no charge at Stripe that we do not know of
            open_charges = _live_at_stripe(provider)
        assert open_charges == {live[0].provider_ref}
        db.session.remove()
    # Every tab was sent somewhere that exists: the live charge or one now withdrawn.
    with backend.app_context():
        for answer, method in zip(answers, METHODS, strict=True):
            location = answer.headers["Location"]
            if method in ("pix", "boleto"):
                payment_id = int(location.rsplit("/", 2)[-2])
                assert db.session.get(Payment, payment_id).method == method
            else:
                assert location.endswith(tuple(str(ref) for ref in refs)) or (
                    "checkout.stripe.com" in location and location.split("/")[-1] in refs
                )
        db.session.remove()
