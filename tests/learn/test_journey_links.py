"""The journey pages link to the right article, and each link opens a published page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from portal.core.clock import today_br
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.services.learn import load_bundled
from tests.debtor.test_journey import sign_in, simulate
from tests.debtor.test_payment_pages import _pay
from tests.html import parse_page
from tests.journey_helpers import debt_world, make_agreement


@pytest.fixture(autouse=True)
def bundle() -> None:
    load_bundled(db.session, actor=SYSTEM, now=datetime(2026, 1, 5, tzinfo=UTC))
    db.session.commit()


def _tip(client: FlaskClient, path: str) -> str:
    soup = parse_page(client.get(path))
    tips = soup.select(".learn-tip a")
    assert len(tips) == 1, path
    href = str(tips[0]["href"])
    assert client.get(href).status_code == 200, href
    return href


def test_after_a_simulation_the_budget_article(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    options = simulate(client, world).headers["Location"]
    assert _tip(client, options) == "/aprenda/como-montar-um-orcamento-que-cabe-no-mes"


def test_on_the_pix_page_how_to_recognise_a_real_pix(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    agreement = make_agreement(world, payment_count=3)
    pix_page = _pay(client, agreement.id, "pix").headers["Location"]
    assert _tip(client, pix_page) == "/aprenda/como-reconhecer-um-pix-verdadeiro"


def test_after_a_late_installment_how_to_reorganise(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    on_time = make_agreement(world, payment_count=3)
    page = parse_page(client.get(f"/acordos/{on_time.id}"))
    assert not page.select(".learn-tip"), "no tip while everything is on time"

    late_world = debt_world()
    first_due = today_br() - timedelta(days=10)  # past the 5-day grace
    late = make_agreement(
        late_world, payment_count=3, first_due=first_due, today=first_due - timedelta(days=2)
    )
    other = client.application.test_client()
    sign_in(other, late_world)
    assert (
        _tip(other, f"/acordos/{late.id}") == "/aprenda/como-reorganizar-quando-uma-parcela-atrasa"
    )
