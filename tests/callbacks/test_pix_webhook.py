"""``/callbacks/pix`` and the payment flows of the pix_api provider, through the fake PSP.

The fake PSP (tests/fake_pix_api.py) is reached over real mutual TLS; the webhook is posted
as the PSP would after the proxy's mTLS: to ``<registered URL>/pix`` with the path secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.calendar import BankCalendar
from portal.domain.cobv import CobvTerms, cobv_amount
from portal.extensions import db
from portal.models import AuditEvent, Installment, Payment, ProviderEventRecord
from portal.services.negotiation import cancel_by_debtor
from portal.services.payments import reconcile, start_payment
from portal.services.policies import policy_of
from tests.fake_pix_api import FakePixApi, running
from tests.journey_helpers import debt_world, make_agreement
from tests.pix_api_helpers import WEBHOOK_SECRET, pix_api_app
from tests.pix_certs import Pki, make_pki

pytestmark = pytest.mark.pix_api
HOOK = f"/callbacks/pix/{WEBHOOK_SECRET}/pix"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def fake(pki: Pki) -> Iterator[FakePixApi]:
    with running(pki) as server:
        yield server


@pytest.fixture
def pix_app(app: Flask, fake: FakePixApi, pki: Pki) -> Iterator[Flask]:
    with pix_api_app(app, fake, pki) as configured:
        yield configured


def open_pix(payments: int = 3) -> Payment:
    agreement = make_agreement(debt_world(), payment_count=payments)
    payment = start_payment(
        db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    return payment


def stored(payment: Payment) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment.id)  # type: ignore[return-value]


def installment_of(payment: Payment) -> Installment:
    db.session.expire_all()
    return db.session.get(Installment, payment.installment_id)  # type: ignore[return-value]


def events() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProviderEventRecord)) or 0


def test_an_installment_gets_a_cobv_with_the_policys_late_charges(
    pix_app: Flask, fake: FakePixApi
) -> None:
    payment = open_pix(payments=3)
    assert payment.provider == "pix_api" and payment.status == "awaiting"
    charge = fake.charge(payment.provider_ref or "")
    policy = policy_of(payment.agreement.policy_version)
    assert charge["calendario"] == {
        **charge["calendario"],
        "dataDeVencimento": payment.installment.due_date.isoformat(),
        "validadeAposVencimento": policy.breach.breach_after_days,
    }
    assert charge["valor"]["original"] == f"{payment.amount_cents / 100:.2f}"
    assert charge["valor"]["multa"]["valorPerc"] == f"{policy.charges.multa_pct:.2f}"
    assert charge["valor"]["juros"]["valorPerc"] == f"{policy.charges.juros_monthly_pct:.2f}"
    assert charge["devedor"]["cpf"] == payment.agreement.debtor.document
    assert payment.pix_payload == charge["pixCopiaECola"]
    assert payment.flags["due_date_charge"] is True
    assert (
        payment.expires_at is not None and payment.expires_at.date() > payment.installment.due_date
    )


def test_a_single_payment_gets_an_immediate_cob(pix_app: Flask, fake: FakePixApi) -> None:
    payment = open_pix(payments=1)
    assert (payment.provider_ref or "").startswith("imed")
    assert "dataDeVencimento" not in fake.charge(payment.provider_ref or "")["calendario"]


def test_paid_by_webhook_settles_the_installment_exactly_once(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient
) -> None:
    payment = open_pix()
    body = fake.notification(fake.pay(payment.provider_ref or ""))
    answers = [client.post(HOOK, data=body, content_type="application/json") for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert [a.json["outcomes"] for a in answers] == [
        ["succeeded"],
        ["duplicate_event"],
        ["duplicate_event"],
    ]
    installment = installment_of(payment)
    assert installment.status == "paid" and installment.paid_cents == payment.amount_cents
    assert stored(payment).payment_intent_id == fake.received[0]["endToEndId"]
    assert events() == 1


def test_late_payment_settles_the_installment_and_keeps_multa_and_juros_apart(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient
) -> None:
    payment = open_pix()
    due = payment.installment.due_date
    pix = fake.pay(payment.provider_ref or "", on=due + timedelta(days=12))
    policy = policy_of(payment.agreement.policy_version)
    terms = CobvTerms(
        payment.amount_cents,
        due,
        policy.breach.breach_after_days,
        policy.charges.multa_pct,
        policy.charges.juros_monthly_pct,
    )
    # The fake models weekends, not holidays (its agreement with the domain: test_cobv_amounts).
    late = cobv_amount(terms, due + timedelta(days=12), BankCalendar(frozenset()))
    expected_charges = late.charges_cents
    assert expected_charges > 0
    assert int(pix["valor"].replace(".", "")) == payment.amount_cents + expected_charges
    answer = client.post(HOOK, data=fake.notification(pix), content_type="application/json")
    assert answer.json["outcomes"] == ["succeeded"]
    paid = stored(payment)
    assert paid.applied_cents == payment.amount_cents and paid.excess_cents == 0
    assert paid.flags["late_charges_cents"] == expected_charges
    assert "held" not in paid.flags
    assert installment_of(payment).status == "paid"
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "payment.succeeded")
    ).all()
    assert audit[-1].details["late_charges_cents"] == expected_charges


def test_reconciliation_applies_a_missed_webhook_and_the_late_one_is_a_duplicate(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient
) -> None:
    payment = open_pix()
    pix = fake.pay(payment.provider_ref or "")
    counts = reconcile(db.session, now_utc())
    db.session.commit()
    assert counts["events"] == 1 and counts["applied"] >= 1
    assert installment_of(payment).status == "paid"
    late = client.post(HOOK, data=fake.notification(pix), content_type="application/json")
    assert late.json["outcomes"] == ["duplicate_event"]
    assert installment_of(payment).paid_cents == payment.amount_cents


def test_cancelling_the_agreement_removes_its_open_charge(pix_app: Flask, fake: FakePixApi) -> None:
    payment = open_pix()
    cancel_by_debtor(db.session, payment.agreement, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert fake.charge(payment.provider_ref or "")["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    assert ("PATCH", f"/cobv/{payment.provider_ref}") in [c[:2] for c in fake.calls]
    assert stored(payment).status == "canceled"


def test_paid_while_cancelled_is_given_back_by_devolucao_exactly_once(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient
) -> None:
    """The bank paid the code while the debtor cancelled: the removal finds it paid, the money
    goes back through a devolução, and the PSP's devolução webhook changes nothing more."""
    payment = open_pix()
    pix = fake.pay(payment.provider_ref or "")
    cancel_by_debtor(db.session, payment.agreement, actor=SYSTEM, now=now_utc())
    db.session.commit()
    given_back = stored(payment)
    assert given_back.applied_cents == 0 and given_back.excess_cents == payment.amount_cents
    (refund,) = pix["devolucoes"]
    assert refund["valor"] == f"{payment.amount_cents / 100:.2f}"
    assert given_back.refunded_cents == payment.amount_cents and given_back.status == "refunded"
    settled = fake.settle_refund(pix["endToEndId"], refund["id"])
    body = fake.notification(settled)
    first = client.post(HOOK, data=body, content_type="application/json")
    again = client.post(HOOK, data=body, content_type="application/json")
    assert first.status_code == again.status_code == 200
    assert set(again.json["outcomes"]) == {"duplicate_event"}
    assert stored(payment).refunded_cents == payment.amount_cents


@pytest.mark.parametrize(
    "path",
    [
        "/callbacks/pix/pix",
        "/callbacks/pix/wrong-secret-0123456789abcdefghijkl/pix",
        "/callbacks/pix",
    ],
)
def test_without_the_path_secret_the_webhook_does_not_exist(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient, path: str
) -> None:
    payment = open_pix()
    body = fake.notification(fake.pay(payment.provider_ref or ""))
    assert client.post(path, data=body, content_type="application/json").status_code == 404
    assert events() == 0 and installment_of(payment).status == "pending"


def test_an_address_outside_the_allow_list_is_refused(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient
) -> None:
    payment = open_pix()
    body = fake.notification(fake.pay(payment.provider_ref or ""))
    pix_app.config.update(
        PIX_API_WEBHOOK_SECRET=None, PIX_API_WEBHOOK_ALLOWED_IPS=("203.0.113.0/24",)
    )
    refused = client.post("/callbacks/pix/pix", data=body, content_type="application/json")
    assert refused.status_code == 403 and events() == 0
    allowed = client.post(
        "/callbacks/pix/pix",
        data=body,
        content_type="application/json",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert allowed.status_code == 200 and installment_of(payment).status == "paid"


def test_a_body_that_is_not_a_notification_gets_400(pix_app: Flask, client: FlaskClient) -> None:
    answer = client.post(HOOK, data=b'{"hello": 1}', content_type="application/json")
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert events() == 0


def test_the_webhook_does_not_exist_with_another_provider(app: Flask, client: FlaskClient) -> None:
    assert app.config["PAYMENT_PROVIDER"] == "sandbox"
    assert (
        client.post(HOOK, data=b'{"pix": []}', content_type="application/json").status_code == 404
    )
