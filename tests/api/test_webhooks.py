"""Outgoing webhooks: Standard Webhooks signatures, retries, dead letters, SSRF (31-36)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from standardwebhooks.webhooks import Webhook

from portal.adapters.webhooks_out.ssrf import UnsafeUrl, check_url
from portal.core.after_commit import wait_for_background_tasks
from portal.core.clock import now_utc
from portal.extensions import db
from portal.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from portal.services.integration import emit, webhooks
from tests.api.conftest import Company
from tests.factories import contact_of


@dataclass
class Receiver:
    """A company's webhook receiver on 127.0.0.1 that answers a scripted list of statuses."""

    script: list[int]
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/portal"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(script=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.received.append(
                ({k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            )
            status = state.script.pop(0) if state.script else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(app: Flask) -> Iterator[None]:
    saved = app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"]
    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = True
    yield
    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = saved


def _register(company: Company, url: str, **extra: Any) -> Any:
    return company.post("/api/v1/webhook-endpoints", json={"url": url, **extra})


def _emit(app: Flask, company: Company, event_type: str = "payment.succeeded") -> str:
    with app.app_context():
        event = emit(
            db.session,
            company.creditor.id,
            event_type,
            {"payment": {"id": 7, "amount_cents": 12345}, "debtor": {"document_masked": "***"}},
        )
        db.session.commit()
        event_id = event.id
    wait_for_background_tasks()
    return event_id


def _retry_due(app: Flask) -> None:
    with app.app_context():
        for delivery_id in webhooks.due_deliveries(db.session, now_utc() + timedelta(days=1)):
            webhooks.deliver(
                db.session, delivery_id, sender=app.extensions["webhook_sender"], now=now_utc()
            )
            db.session.commit()


def test_500_three_times_then_200_is_delivered_once_with_one_id(
    app: Flask, company: Company, receiver: Receiver, loopback_allowed: None
) -> None:
    """Scenario 35: retried on 5xx with the same webhook-id; our signature verifies."""
    created = _register(company, receiver.url, event_types=["payment.succeeded"])
    assert created.status_code == 201
    secret = created.json["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in company.get("/api/v1/webhook-endpoints").json["data"][0] or (
        company.get("/api/v1/webhook-endpoints").json["data"][0]["secret"] is None
    )
    receiver.script = [500, 500, 500, 200]
    event_id = _emit(app, company)
    for _ in range(3):
        _retry_due(app)
    assert len(receiver.received) == 4
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert ids == {event_id}
    headers, body = receiver.received[-1]
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "payment.succeeded" and payload["id"] == event_id
    assert payload["data"]["payment"]["amount_cents"] == 12345
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 4)
    log = db.session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [a.status_code for a in log] == [500, 500, 500, 200]
    _retry_due(app)
    assert len(receiver.received) == 4  # nothing more once delivered


def test_a_400_is_dead_lettered_without_retry_and_staff_can_replay(
    app: Flask, company: Company, receiver: Receiver, loopback_allowed: None
) -> None:
    _register(company, receiver.url)
    receiver.script = [400]
    _emit(app, company, "agreement.accepted")
    _retry_due(app)
    assert len(receiver.received) == 1
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    assert delivery.status == DeliveryStatus.DEAD
    from portal.core.context import SYSTEM

    with app.app_context():
        row = db.session.get_one(WebhookDelivery, delivery.id)
        webhooks.replay(db.session, row, actor=SYSTEM, now=now_utc())
        db.session.commit()
    _retry_due(app)
    assert len(receiver.received) == 2
    assert receiver.received[0][0]["webhook-id"] == receiver.received[1][0]["webhook-id"]


def test_event_type_filter_and_other_creditors(
    app: Flask, company: Company, other_company: Company, receiver: Receiver, loopback_allowed: None
) -> None:
    _register(company, receiver.url, event_types=["agreement.completed"])
    _emit(app, company, "payment.succeeded")
    _emit(app, other_company, "agreement.completed")
    assert receiver.received == []


def test_rotation_signs_with_both_secrets(
    app: Flask, company: Company, receiver: Receiver, loopback_allowed: None
) -> None:
    created = _register(company, receiver.url).json
    rotated = company.post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json["secret"] != created["secret"]
    _emit(app, company)
    headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(created["secret"]).verify(body, headers)
    Webhook(rotated.json["secret"]).verify(body, headers)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_or_odd_urls_are_refused_at_registration(company: Company, url: str) -> None:
    """Scenario 34 at registration."""
    response = _register(company, url)
    assert response.status_code == 422, response.json
    (error,) = response.json["errors"]
    assert error["field"] == "url" and error["code"].startswith("url_")
    assert error["message_pt"] and error["message"]


def test_http_is_refused_outside_development() -> None:
    with pytest.raises(UnsafeUrl) as refused:
        check_url(
            "http://example.com/hook", allow_http=False, resolver=lambda h, p: ["93.184.215.14"]
        )
    assert refused.value.reason == "https_required"
    assert check_url("https://example.com/hook", resolver=lambda h, p: ["93.184.215.14"]) == [
        "93.184.215.14"
    ]
    with pytest.raises(UnsafeUrl):
        check_url("https://example.com/", resolver=lambda h, p: ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(UnsafeUrl):
        check_url("https://100.64.0.1/")  # carrier-grade NAT is not public


def test_dns_rebinding_is_caught_at_send_time(
    app: Flask, company: Company, receiver: Receiver
) -> None:
    """Scenario 34 at send time: registered while public, resolves privately later."""
    answers = {"ip": "93.184.215.14"}
    app.extensions["webhook_resolver"] = lambda host, port: [answers["ip"]]
    try:
        created = _register(company, "https://hooks.example.com/portal")
        assert created.status_code == 201
        answers["ip"] = "169.254.169.254"
        _emit(app, company)
        delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
        # Refused, reported in pt-BR, and retried with backoff rather than given up at once.
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
        assert "private_address" in (delivery.last_error or "")
        assert "rede privada" in (delivery.last_error or "")
        assert delivery.next_attempt_at is not None
        for _ in range(app.config["WEBHOOK_MAX_ATTEMPTS"] - 1):
            _retry_due(app)
        db.session.refresh(delivery)
        assert delivery.status == DeliveryStatus.DEAD
        assert delivery.attempts == app.config["WEBHOOK_MAX_ATTEMPTS"]
    finally:
        app.extensions.pop("webhook_resolver")
    assert receiver.received == []


def test_a_job_without_the_servers_settings_retries_then_delivers(
    app: Flask, company: Company, receiver: Receiver, loopback_allowed: None
) -> None:
    """Issue 18: a delivery checked by a process that does not allow private networks (a job
    started without the server's .env) waits and is retried; once the job reads the same
    configuration as the server, the event arrives, once, with its webhook-id."""
    assert _register(company, f"http://127.0.0.1:{receiver.port}/hook").status_code == 201
    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = False
    event_id = _emit(app, company)
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("Endereço recusado")
    assert "WEBHOOKS_ALLOW_PRIVATE_NETWORKS" in delivery.last_error
    first_wait = delivery.next_attempt_at - now_utc()  # type: ignore[operator]
    assert timedelta(seconds=20) < first_wait <= timedelta(seconds=30)
    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = True
    _retry_due(app)
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [headers["webhook-id"] for headers, _ in receiver.received] == [event_id]


def test_endpoint_crud_and_isolation(
    company: Company, other_company: Company, loopback_allowed: None
) -> None:
    created = _register(company, "http://127.0.0.1:9/x", description="ERP").json
    path = f"/api/v1/webhook-endpoints/{created['id']}"
    assert other_company.get(path).status_code == 404
    assert other_company.delete(path).status_code == 404
    patched = company.patch(path, json={"enabled": False, "event_types": ["item.disputed"]})
    assert patched.json["enabled"] is False and patched.json["event_types"] == ["item.disputed"]
    assert company.patch(path, json={"event_types": ["nope"]}).status_code == 422
    assert company.delete(path).status_code == 204
    assert company.get(path).status_code == 404


def test_a_redirect_is_never_followed(
    app: Flask, company: Company, receiver: Receiver, loopback_allowed: None
) -> None:
    """Scenario 34: a receiver that redirects (e.g. to cloud metadata) gets one request."""
    _register(company, receiver.url)
    receiver.script = [302]
    _emit(app, company)
    assert len(receiver.received) == 1
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.DEAD, 302)


def test_payloads_carry_no_full_cpf(app: Flask) -> None:
    from portal.models import OutboxEvent
    from tests.journey_helpers import debt_world, make_agreement

    world = debt_world()
    make_agreement(world)
    events = db.session.scalars(sa.select(OutboxEvent)).all()
    assert events, "accepting an agreement emits agreement.accepted"
    for event in events:
        body = webhooks.payload(event).decode()
        assert world.debtor.document not in body
        assert contact_of(world.debtor).name not in body


def test_dispute_events_reach_the_company_signed(
    app: Flask, company: Company, other_company: Company, receiver: Receiver, loopback_allowed: None
) -> None:
    from portal.core.context import Actor
    from portal.domain.disputes import DisputeOutcome, DisputeReason
    from portal.models import ActorType
    from portal.services.disputes import open_dispute, resolve_dispute
    from tests.access_helpers import make_staff
    from tests.factories import create_pending_item

    created = _register(
        company, receiver.url, event_types=["item.disputed", "item.dispute_resolved"]
    )
    assert created.status_code == 201
    assert sorted(created.json["event_types"]) == ["item.dispute_resolved", "item.disputed"]
    _register(other_company, receiver.url)  # another company hears nothing of it
    secret = created.json["secret"]
    with app.app_context():
        from portal.models import Creditor

        creditor = db.session.get_one(Creditor, company.creditor.id)
        item = create_pending_item(creditor=creditor, original_amount_cents=45_000)
        staff = make_staff(creditor)
        dispute = open_dispute(
            db.session,
            item,
            DisputeReason.FRAUD,
            "Clonaram meu cartão.",
            attachment=None,
            actor=Actor(ActorType.DEBTOR, str(item.debtor_id)),
            now=now_utc(),
            today=now_utc().date(),
        )
        db.session.commit()
        resolve_dispute(
            db.session,
            dispute,
            DisputeOutcome.CANCELLED,
            "Confirmamos a fraude e cancelamos.",
            staff=staff,
            actor=Actor(ActorType.STAFF, str(staff.id)),
            now=now_utc(),
        )
        db.session.commit()
        reference, document = item.external_reference, item.debtor.document
    wait_for_background_tasks()
    _retry_due(app)
    payloads = sorted(
        (Webhook(secret).verify(body, headers) for headers, body in receiver.received),
        key=lambda p: p["sequence"],  # deliveries may arrive in any order
    )
    assert [p["type"] for p in payloads] == ["item.disputed", "item.dispute_resolved"]
    opened, resolved = (p["data"] for p in payloads)
    assert opened["item"]["external_reference"] == reference
    assert opened["dispute"]["reason"] == "fraud" and opened["dispute"]["status"] == "open"
    assert opened["dispute"]["details"] == "Clonaram meu cartão."
    assert resolved["item"]["status"] == "cancelled"
    assert resolved["dispute"]["outcome"] == "cancelled"
    assert resolved["dispute"]["status"] == "upheld"
    assert resolved["dispute"]["answer"] == "Confirmamos a fraude e cancelamos."
    assert all(document not in str(p) for p in payloads)


def test_a_payment_is_told_before_the_completion_it_causes(
    app: Flask, receiver: Receiver, loopback_allowed: None
) -> None:
    """Issue 18: the last payment's ``payment.succeeded`` comes before the
    ``agreement.completed`` it brings about, with consecutive sequence numbers, in the
    deliveries a company receives (whatever order they arrive in)."""
    from dataclasses import replace

    from portal.adapters.payments.base import ProviderEvent
    from portal.core.context import SYSTEM
    from portal.domain.payments import PaymentStatus
    from portal.services.payments import process_event, provider, start_payment
    from tests.api.conftest import company_for
    from tests.journey_helpers import debt_world, make_agreement

    world = debt_world()
    owner = company_for(app, world.creditor)
    registered = _register(
        owner,
        f"http://127.0.0.1:{receiver.port}/hook",
        event_types=["payment.succeeded", "agreement.completed"],
    )
    assert registered.status_code == 201
    agreement = make_agreement(world, payment_count=2)
    with app.app_context():
        for number in (0, 1):
            installment_id = agreement.installments[number].id
            payment = start_payment(db.session, installment_id, "pix", actor=SYSTEM, now=now_utc())
            db.session.commit()
            reported = provider().simulate_success(str(payment.provider_ref), now_utc()).payment
            reported = replace(
                reported,
                status=PaymentStatus.SUCCEEDED,
                amount_received_cents=payment.amount_cents,
            )
            event = ProviderEvent(
                event_id=f"evt_causal_{number}",
                type="payment_intent.succeeded",
                created=now_utc(),
                payment=reported,
            )
            process_event(db.session, "sandbox", event, now=now_utc())
            db.session.commit()
    wait_for_background_tasks()
    events = sorted(
        (json.loads(body) for _, body in receiver.received), key=lambda e: e["sequence"]
    )
    kinds = [(e["type"], e["sequence"]) for e in events]
    assert [kind for kind, _ in kinds] == [
        "payment.succeeded",
        "payment.succeeded",
        "agreement.completed",
    ], kinds
    last_payment, completed = events[-2], events[-1]
    assert completed["sequence"] == last_payment["sequence"] + 1
    assert last_payment["data"]["payment"]["agreement_id"] == agreement.id
    assert completed["data"]["agreement"]["id"] == agreement.id
