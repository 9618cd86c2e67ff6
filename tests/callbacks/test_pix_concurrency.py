"""The Pix webhook under real concurrency (PostgreSQL only), as the Stripe one: the same
notification delivered at once, and a webhook racing the reconciliation, apply one payment."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.models import Installment, Payment
from portal.services.payments import RetryLater, reconcile, start_payment
from tests.fake_pix_api import FakePixApi, running
from tests.journey_helpers import debt_world, make_agreement
from tests.pix_api_helpers import WEBHOOK_SECRET, pix_api_app
from tests.pix_certs import Pki, make_pki

pytestmark = [pytest.mark.postgres, pytest.mark.pix_api]
HOOK = f"/callbacks/pix/{WEBHOOK_SECRET}/pix"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def world(committed: Flask, pki: Pki) -> Iterator[tuple[Flask, FakePixApi]]:
    with running(pki) as fake, pix_api_app(committed, fake, pki) as app:
        yield app, fake


def _setup(app: Flask) -> tuple[int, str]:
    with app.app_context():
        agreement = make_agreement(debt_world(), payment_count=3)
        payment = start_payment(
            db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
        )
        db.session.commit()
        result = payment.installment_id, str(payment.provider_ref)
        db.session.remove()
        return result


def _post_at_once(app: Flask, bodies: list[bytes], also: object = None) -> list[int]:
    barrier = threading.Barrier(len(bodies) + (1 if also else 0))
    statuses: list[int] = []

    def post(body: bytes) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(HOOK, data=body, content_type="application/json").status_code)

    def other() -> None:
        barrier.wait()
        also()  # type: ignore[operator]

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    if also:
        threads.append(threading.Thread(target=other))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _paid_once(app: Flask, installment_id: int) -> None:
    with app.app_context():
        installment = db.session.get(Installment, installment_id)
        assert installment is not None and installment.status == "paid"
        assert installment.paid_cents == installment.amount_cents
        applied = db.session.scalar(sa.select(sa.func.sum(Payment.applied_cents)))
        assert applied == installment.amount_cents
        assert db.session.scalar(sa.text("SELECT count(*) FROM provider_events")) == 1
        db.session.remove()


def test_the_same_notification_five_times_at_once(world: tuple[Flask, FakePixApi]) -> None:
    app, fake = world
    installment_id, txid = _setup(app)
    body = fake.notification(fake.pay(txid))
    statuses = _post_at_once(app, [body] * 5)
    assert set(statuses) <= {200, 503}
    for _ in range(statuses.count(503)):  # what the PSP does after a 5xx
        assert (
            app.test_client().post(HOOK, data=body, content_type="application/json").status_code
            == 200
        )
    _paid_once(app, installment_id)


def test_a_webhook_racing_the_reconciliation(world: tuple[Flask, FakePixApi]) -> None:
    app, fake = world
    installment_id, txid = _setup(app)
    body = fake.notification(fake.pay(txid))
    errors: list[BaseException] = []

    def reconcile_now() -> None:
        with app.app_context():
            try:
                with unit_of_work(db.session):
                    reconcile(db.session, now_utc())
            except RetryLater:
                pass  # the next maintenance run tries again
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    statuses = _post_at_once(app, [body, body], also=reconcile_now)
    assert errors == []
    assert set(statuses) <= {200, 503}
    for _ in range(statuses.count(503)):
        app.test_client().post(HOOK, data=body, content_type="application/json")
    _paid_once(app, installment_id)
