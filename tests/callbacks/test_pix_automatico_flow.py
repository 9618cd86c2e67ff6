"""Pix Automático through the pix_api provider and the fake PSP (over mutual TLS): the
recurrence authorised (webhookrec), a cobr collected once (job and webhook both), a cobr
failed then retried per ``PERMITE_3R_7D``, and a cancelled recurrence stopping collection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.core.uow import unit_per_step
from portal.domain.pix import parse_brcode
from portal.extensions import db
from portal.models import Agreement, OutboxEvent, Payment, PixRecurrence, RecurringCharge
from portal.services.payments.recurring import cancel_authorisation, request_authorisation
from portal.services.payments.recurring_charges import pix_automatico_steps
from tests import fake_pix_api_rec as bank
from tests.fake_pix_api import FakePixApi, running
from tests.journey_helpers import debt_world, make_agreement
from tests.pix_api_helpers import WEBHOOK_SECRET, pix_api_app
from tests.pix_certs import Pki, make_pki

pytestmark = pytest.mark.pix_api
HOOK = f"/callbacks/pix/{WEBHOOK_SECRET}"
ACCOUNT = {"tipoConta": "CORRENTE", "agencia": "0001", "conta": "123456-7"}


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
        configured.extensions["payment_provider"].receiver_account = ACCOUNT
        yield configured


def _authorised(fake: FakePixApi, client: FlaskClient) -> tuple[Agreement, PixRecurrence]:
    agreement = make_agreement(
        debt_world(), payment_count=3, first_due=today_br() + timedelta(days=5)
    )
    recurrence = request_authorisation(
        db.session, agreement.id, actor=SYSTEM, now=now_utc(), today=today_br()
    )
    db.session.commit()
    assert parse_brcode(str(recurrence.pix_payload)).is_recurring
    rec = bank.answer(fake, str(recurrence.provider_ref))
    answer = client.post(
        f"{HOOK}/rec", data=bank.rec_notification(rec), content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json["outcomes"] == ["changed"]
    db.session.expire_all()
    return agreement, db.session.get(PixRecurrence, recurrence.id)  # type: ignore[return-value]


def _run(today: date) -> list[str]:
    return [a for s in unit_per_step(pix_automatico_steps(db.session, today, now_utc())) for a in s]


def _charge() -> RecurringCharge:
    db.session.expire_all()
    return db.session.scalars(sa.select(RecurringCharge)).one()


def test_authorised_collected_once(pix_app: Flask, fake: FakePixApi, client: FlaskClient) -> None:
    agreement, recurrence = _authorised(fake, client)
    assert recurrence.status == "approved"
    sent = fake.recs[str(recurrence.provider_ref)]
    assert sent["politicaRetentativa"] == "PERMITE_3R_7D"
    assert sent["calendario"]["periodicidade"] == "MENSAL"
    assert sent["vinculo"]["devedor"]["cpf"] == agreement.debtor.document
    assert _run(today_br()) == ["charge_created"]
    charge = _charge()
    body = fake.cobrs[charge.txid]
    assert body["recebedor"] == ACCOUNT and body["ajusteDiaUtil"] is True
    assert (
        body["valor"]["original"] == f"{charge.amount_cents // 100}.{charge.amount_cents % 100:02d}"
    )
    bank.settle(fake, charge.txid)
    # The webhookcobr: read again, collected, applied through the payment path.
    hook = client.post(
        f"{HOOK}/cobr",
        data=bank.cobr_notification(fake.cobrs[charge.txid]),
        content_type="application/json",
    )
    assert hook.json["outcomes"] == ["collected_succeeded"]
    charge = _charge()
    assert charge.outcome == "collected" and charge.payment.status == "succeeded"
    assert charge.installment.is_paid
    # The Pix itself, notified as any received Pix, and the job: nothing applied twice.
    pix = fake.cobrs[charge.txid]["pix"][0]
    again = client.post(f"{HOOK}/pix", json={"pix": [pix]})
    assert again.json["outcomes"] == ["ignored"]
    assert _run(today_br()) == []
    paid = db.session.scalar(
        sa.select(sa.func.count(Payment.id)).where(
            Payment.agreement_id == agreement.id, Payment.status == "succeeded"
        )
    )
    assert paid == 1
    kinds = list(
        db.session.scalars(
            sa.select(OutboxEvent.type).where(OutboxEvent.creditor_id == agreement.creditor_id)
        )
    )
    assert kinds.count("payment.succeeded") == 1


def test_failed_then_retried(pix_app: Flask, fake: FakePixApi, client: FlaskClient) -> None:
    agreement, _recurrence = _authorised(fake, client)
    _run(today_br())
    charge = _charge()
    due = charge.due_date
    bank.settle(fake, charge.txid, pay=False)
    fake.today = lambda: due
    assert _run(due) == ["charge_retry"]
    attempts = fake.cobrs[charge.txid]["tentativas"]
    assert [a["tipo"] for a in attempts] == ["AGND", "RIFL"]
    assert attempts[-1]["dataLiquidacao"] == (due + timedelta(days=1)).isoformat()
    charge = _charge()
    assert charge.retries == 1 and charge.last_rejection == "AM04"
    assert _run(due) == ["charge_pending"]  # the retry is scheduled: nothing to do yet
    bank.settle(fake, charge.txid)
    assert _run(due + timedelta(days=1)) == ["collected_succeeded"]
    db.session.refresh(agreement)
    assert agreement.installments[0].is_paid


def test_a_final_rejection_is_not_retried(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient
) -> None:
    _authorised(fake, client)
    _run(today_br())
    charge = _charge()
    bank.settle(fake, charge.txid, pay=False, code="MSUC")
    assert _run(charge.due_date) == ["charge_failed"]
    charge = _charge()
    assert charge.outcome == "ended" and charge.payment.status == "canceled"
    assert fake.cobrs[charge.txid]["status"] == "CANCELADA"


def test_cancelled_stops_collection(pix_app: Flask, fake: FakePixApi, client: FlaskClient) -> None:
    agreement, recurrence = _authorised(fake, client)
    _run(today_br())
    txid = _charge().txid
    cancel_authorisation(db.session, agreement.id, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert fake.recs[str(recurrence.provider_ref)]["status"] == "CANCELADA"
    assert fake.cobrs[txid]["status"] == "CANCELADA"
    charge = _charge()
    assert charge.outcome == "ended" and charge.payment.status == "canceled"
    second = agreement.installments[1].due_date
    assert _run(second - timedelta(days=5)) == []
    assert len(fake.cobrs) == 1


def test_the_payer_cancelling_at_her_bank(
    pix_app: Flask, fake: FakePixApi, client: FlaskClient
) -> None:
    _agreement, recurrence = _authorised(fake, client)
    _run(today_br())
    rec = bank.payer_cancels(fake, str(recurrence.provider_ref))
    client.post(f"{HOOK}/rec", data=bank.rec_notification(rec), content_type="application/json")
    db.session.expire_all()
    row = db.session.get(PixRecurrence, recurrence.id)
    assert row is not None and row.status == "cancelled"
    assert row.cancelled_by == "payer" and row.end_code == "ACCL"
    assert _charge().outcome == "ended"
