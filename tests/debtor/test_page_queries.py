"""SQL statements per debtor page (issue 15), counted on the engine: "Minhas pendências" in
four whatever it shows (the user loader's: the debtor and its session's links; the pendências
with their policies and the removals; the disputes with their items; the relationships with
their delay reasons), the options page in two."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import CreditorDebtor, ItemStatus
from tests.debtor.test_journey import sign_in, simulate
from tests.dispute_helpers import post_dispute
from tests.factories import create_pending_item
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world

HOME_STATEMENTS = 4
_TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the database receives inside the block (not BEGIN/COMMIT)."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def hit(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", hit)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", hit)


def test_the_home_page_shows_everything_in_four_statements(app: Flask, client: FlaskClient) -> None:
    world = debt_world()
    removal = create_pending_item(
        creditor=world.creditor,
        debtor=world.debtor,
        description="Conta já paga",
        status=ItemStatus.PAID.value,
        bureau_reported=True,
        paid_at=datetime.now(UTC) - timedelta(days=1),
    )
    db.session.commit()
    sign_in(client, world)
    assert post_dispute(client, world.items[0].id).status_code == 303
    home = parse_page(client.get("/inicio"))
    action = f"/empresas/{world.creditor.id}/motivo-atraso"
    answer = client.post(action, data={"csrf_token": csrf_token(home), "reason": "illness"})
    assert answer.status_code == 303

    with statements(app) as seen:
        page = client.get("/inicio")
    assert page.status_code == 200
    assert len(seen) <= HOME_STATEMENTS, "\n".join(seen)
    soup = parse_page(page)
    text = " ".join(soup.get_text(" ", strip=True).split())
    rel = db.session.get(CreditorDebtor, (world.creditor.id, world.debtor.id))
    assert rel is not None and rel.first_name
    assert f"Olá, {rel.first_name}." in text
    assert world.items[1].description in text  # still open
    assert "Suas contestações" in text and world.items[0].external_reference in text
    assert "Motivo informado: Doença" in text
    tracker = soup.select_one(".removal-tracker")
    assert tracker is not None and removal.external_reference in tracker.get_text()


def test_a_signed_in_page_loads_the_debtor_and_checks_its_links_in_one_statement(
    app: Flask,
    client: FlaskClient,
) -> None:
    world = debt_world()
    sign_in(client, world)
    with statements(app) as seen:
        assert client.get("/meus-dados").status_code == 200
    loader = [s for s in seen if "access_links" in s]
    assert len(loader) == 1 and "debtors" in loader[0], "\n".join(seen)


def test_the_options_page_reads_its_offer_with_company_and_policy_at_once(
    app: Flask, client: FlaskClient
) -> None:
    world = debt_world()
    sign_in(client, world)
    simulated = simulate(client, world)
    assert simulated.status_code == 303
    path = simulated.headers["Location"]
    with statements(app) as seen:
        page = client.get(path)
    assert page.status_code == 200
    assert len(seen) <= 2, "\n".join(seen)  # the user loader's, then the offer's
    assert world.creditor.display_name in page.get_data(as_text=True)
