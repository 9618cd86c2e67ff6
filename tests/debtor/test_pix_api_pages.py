"""Payment pages with the API Pix provider: the PSP's checked code is shown, no card button."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Payment
from tests.debtor.test_journey import sign_in
from tests.fake_pix_api import FakePixApi, running
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement
from tests.pix_api_helpers import pix_api_app
from tests.pix_certs import Pki, make_pki

pytestmark = pytest.mark.pix_api


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def fake(app: Flask, pki: Pki) -> Iterator[FakePixApi]:
    with running(pki) as server, pix_api_app(app, server, pki, push=False):
        yield server


def test_the_debtor_pays_with_the_psps_code_and_sees_no_card_option(
    fake: FakePixApi, client: FlaskClient
) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    base = f"/acordos/{agreement.id}/pagamentos/0"
    assert soup.find("form", action=f"{base}/card") is None
    form = soup.find("form", action=f"{base}/pix")
    response = client.post(form["action"], data={"csrf_token": csrf_token(soup)})
    assert response.status_code == 303
    page = parse_page(client.get(response.headers["Location"]))
    payment = db.session.scalars(sa.select(Payment)).one()
    (charge,) = fake.charges.values()
    assert payment.pix_payload == charge["pixCopiaECola"]
    assert page.find("textarea", id="pix-code").get_text() == charge["pixCopiaECola"]
    text = page.get_text(" ", strip=True)
    assert "Simular pagamento" not in text
    assert "o app do seu banco já mostra o valor atualizado" in text  # a cobv: multa and juros
    refused = client.post(f"{base}/card", data={"csrf_token": csrf_token(soup)})
    assert refused.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_a_late_installment_shows_what_the_psp_then_charges(
    fake: FakePixApi, client: FlaskClient
) -> None:
    """The pay page's figures for today (portal.domain.cobv) are what the PSP takes for a code
    made before the due date and paid after it."""
    from datetime import timedelta

    from portal.core.clock import today_br
    from portal.core.formatting import brl
    from portal.domain.calendar import anbima_calendar

    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    soup = parse_page(client.get(f"/acordos/{agreement.id}"))
    form = soup.find("form", action=f"/acordos/{agreement.id}/pagamentos/0/pix")
    client.post(form["action"], data={"csrf_token": csrf_token(soup)})
    payment = db.session.scalars(sa.select(Payment)).one()
    (charge,) = fake.charges.values()
    # Twelve days or so pass: the installment and the PSP's charge fell due that long ago.
    due = today_br() - timedelta(days=12)
    while not anbima_calendar().is_business_day(due):  # the fake knows weekends only
        due -= timedelta(days=1)
    payment.installment.due_date = due
    db.session.commit()
    charge["calendario"]["dataDeVencimento"] = due.isoformat()
    late = parse_page(client.get(f"/pagamentos/{payment.id}/pix")).select_one(".late-amount")
    assert late is not None
    pix = fake.pay(charge["txid"], on=today_br())
    parts = {
        name: int(part["valor"].replace(".", "")) for name, part in pix["componentesValor"].items()
    }
    text = late.get_text(" ", strip=True)
    assert f"Multa {brl(parts['multa'])}" in text
    assert brl(parts["juros"]) in text
    assert f"Total hoje {brl(int(pix['valor'].replace('.', '')))}" in text
