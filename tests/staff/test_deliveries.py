"""The webhook delivery log in the back-office: filters, CSV, detail with payload, answer and
next retry, and resending several at once (post-redirect-get, audited, scoped)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import (
    Creditor,
    DeliveryStatus,
    OutboxEvent,
    StaffRole,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.access_helpers import events, make_staff, staff_login
from tests.factories import create_creditor
from tests.html import csrf_token, parse_page

NEXT_TRY = datetime(2031, 5, 4, 15, 30, tzinfo=UTC)  # 12:30 in Brasília


def _delivery(
    creditor: Creditor, n: int, event_type: str, status: DeliveryStatus, created: datetime
) -> WebhookDelivery:
    endpoint = db.session.query(WebhookEndpoint).filter_by(creditor_id=creditor.id).first()
    if endpoint is None:
        endpoint = WebhookEndpoint(
            creditor_id=creditor.id,
            url="https://hooks.example.com/x",
            secret="whsec_" + "A" * 44,
            event_types=[],
        )
        db.session.add(endpoint)
        db.session.flush()
    event = OutboxEvent(
        id=f"evt_desk_{creditor.id}_{n}",
        creditor_id=creditor.id,
        type=event_type,
        data={"agreement": {"id": n}},
        sequence=n,
    )
    db.session.add(event)
    db.session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event.id,
        status=status,
        attempts=2,
        created_at=created,
        next_attempt_at=NEXT_TRY if status == DeliveryStatus.PENDING else None,
        last_status_code=503,
    )
    db.session.add(delivery)
    db.session.flush()
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            status_code=503,
            duration_ms=40,
            details={"response": '{"erro": "manutenção"}'},
        )
    )
    return delivery


@pytest.fixture
def log(client: FlaskClient) -> dict[str, object]:
    mine, theirs = create_creditor(trade_name="Minha"), create_creditor(trade_name="Outra")
    day = datetime(2026, 11, 10, 15, tzinfo=UTC)
    rows = {
        "old_dead": _delivery(mine, 1, "agreement.accepted", DeliveryStatus.DEAD, day),
        "new_pending": _delivery(
            mine, 2, "payment.succeeded", DeliveryStatus.PENDING, day + timedelta(days=5)
        ),
        "new_dead": _delivery(
            mine, 3, "payment.succeeded", DeliveryStatus.DEAD, day + timedelta(days=6)
        ),
        "theirs": _delivery(theirs, 4, "payment.succeeded", DeliveryStatus.DEAD, day),
    }
    db.session.commit()
    admin = make_staff(mine, role=StaffRole.ADMIN, email="admin@example.com")
    assert staff_login(client, admin).status_code == 303
    return {"mine": mine, "theirs": theirs, **rows}


def _listed(client: FlaskClient, creditor: Creditor, **query: str) -> list[str]:
    page = parse_page(
        client.get(f"/atendimento/integracao/{creditor.id}/entregas", query_string=query)
    )
    return [a.get_text() for a in page.select("tbody th a")]


def test_filters_by_status_type_and_day(client: FlaskClient, log: dict) -> None:  # type: ignore[type-arg]
    mine = log["mine"]
    assert _listed(client, mine) == ["payment.succeeded", "payment.succeeded", "agreement.accepted"]
    assert _listed(client, mine, situacao="dead") == ["payment.succeeded", "agreement.accepted"]
    assert _listed(client, mine, evento="agreement.accepted") == ["agreement.accepted"]
    assert _listed(client, mine, desde="15/11/2026", ate="15/11/2026") == ["payment.succeeded"]
    bad = client.get(f"/atendimento/integracao/{mine.id}/entregas?desde=31/02/2026")
    assert bad.status_code == 400 and "dd/mm/aaaa" in bad.get_data(as_text=True)
    assert client.get(f"/atendimento/integracao/{log['theirs'].id}/entregas").status_code == 404


def test_csv_follows_the_filter(client: FlaskClient, log: dict) -> None:  # type: ignore[type-arg]
    mine = log["mine"]
    page = parse_page(
        client.get(f"/atendimento/integracao/{mine.id}/entregas", query_string={"situacao": "dead"})
    )
    href = next(a["href"] for a in page.select("a") if a.get_text() == "Baixar CSV")
    response = client.get(href)
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Entrega;Evento;Tipo")
    assert len(lines) == 3 and all(";desistimos;" in line for line in lines[1:])
    assert len(events("webhook_delivery.exported")) == 1


def test_detail_shows_payload_answer_and_next_retry(client: FlaskClient, log: dict) -> None:  # type: ignore[type-arg]
    mine, pending = log["mine"], log["new_pending"]
    text = parse_page(
        client.get(f"/atendimento/integracao/{mine.id}/entregas/{pending.id}")
    ).get_text()
    assert '"type": "payment.succeeded"' in text and '"sequence": 2' in text
    assert '{"erro": "manutenção"}' in text
    assert "04/05/2031 às 12:30" in text  # next retry, in Brasília time
    theirs = log["theirs"]
    assert client.get(f"/atendimento/integracao/{mine.id}/entregas/{theirs.id}").status_code == 404


def test_bulk_resend_sends_the_chosen_ones_again(
    client: FlaskClient, log: dict, app: Flask
) -> None:  # type: ignore[type-arg]
    mine = log["mine"]
    path = f"/atendimento/integracao/{mine.id}/entregas"
    page = parse_page(client.get(path))
    # the waiting one has no box: it is already going to be sent
    boxes = {int(box["value"]) for box in page.select("input[name=ids]")}
    assert boxes == {log["old_dead"].id, log["new_dead"].id}
    chosen = [log["old_dead"].id, log["new_dead"].id, log["new_pending"].id, log["theirs"].id]
    resent = client.post(
        f"{path}/reenviar", data={"csrf_token": csrf_token(page), "ids": [str(i) for i in chosen]}
    )
    assert resent.status_code == 303 and resent.headers["Location"].endswith(path)
    replayed = events("webhook_delivery.replayed")
    assert sorted(e.subject_id for e in replayed) == sorted(
        str(log[k].id) for k in ("old_dead", "new_dead")
    )
    assert "2 entregas enviadas de novo" in client.get(path).get_data(as_text=True)
    theirs = db.session.get(WebhookDelivery, log["theirs"].id)
    db.session.refresh(theirs)
    assert theirs.status == DeliveryStatus.DEAD and theirs.attempts == 2
    assert client.post(f"{path}/reenviar", data={"ids": "1"}).status_code == 400
