"""portal/adapters/payments/stripe.py through the stateful fake Stripe (tests/fake_stripe.py).

Security scenarios (docs in docs/requirements.md): 20 (bad, missing, changed or stale
signature), 21 (unknown event type), 24 (undelivered events), 25 (retry after a network failure
with the same idempotency key; same key with other parameters).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe

from portal.adapters.payments.base import InvalidSignature, Payee, ProviderError
from portal.adapters.payments.stripe import StripeProvider
from portal.domain.payments import PaymentStatus
from portal.domain.pix import parse_brcode
from tests.fake_stripe import FakeStripe

SECRET = "whsec_current_0123456789"
OLD_SECRET = "whsec_previous_0123456789"
PAYEE = Payee(name="Credora Cobranças Ltda", cnpj="11222333000181", city="São Paulo", pix_key=None)
META = {"installment_id": "42", "attempt_id": "7"}


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def provider(fake: FakeStripe) -> StripeProvider:
    return StripeProvider(
        "sk_test_x", [SECRET, OLD_SECRET], http_client=fake, max_network_retries=0
    )


def _in(minutes: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)


def create_pix(
    provider: StripeProvider,
    key: str = "pix:42:1",
    amount: int = 12_345,
    description: str = "Parcela 1 de 3",
    expires: datetime | None = None,
) -> Any:
    return provider.create_pix(
        amount_cents=amount,
        description=description,
        payee=PAYEE,
        metadata=META,
        expires_at=expires or _in(60),
        idempotency_key=key,
    )


def create_card(
    provider: StripeProvider,
    key: str = "card:42:1",
    amount: int = 12_345,
    description: str = "Parcela 1 de 3",
) -> Any:
    return provider.create_card_checkout(
        amount_cents=amount,
        description=description,
        payee=PAYEE,
        metadata=META,
        success_url="https://portal.example/pagamento/ok",
        cancel_url="https://portal.example/pagamento/cancelado",
        expires_at=_in(60),
        idempotency_key=key,
    )


def only_event(fake: FakeStripe, type_: str) -> dict[str, Any]:
    (event,) = fake.events(type_)
    return event


# ---------------------------------------------------------------------------- Pix


def test_create_pix_confirms_on_the_server_and_returns_a_valid_br_code(provider, fake):
    expires = _in(45)
    payment = create_pix(provider, expires=expires)

    assert payment.status is PaymentStatus.AWAITING
    assert payment.provider_ref.startswith("pi_")
    assert payment.payment_intent_id == payment.provider_ref
    assert payment.amount_cents == 12_345
    assert payment.amount_received_cents == 0
    assert payment.currency == "brl"
    assert payment.expires_at == expires
    assert payment.metadata == META
    code = parse_brcode(payment.pix_payload)
    assert code.amount_cents == 12_345

    create, confirm = fake.calls
    assert (create.path, create.idempotency_key) == ("/v1/payment_intents", "pix:42:1")
    assert create.params["allowed_payment_method_types"] == ["pix"]
    assert "payment_method_types" not in create.params  # refused by API 2026-10-28.endive
    assert create.params["payment_method_options"] == {
        "pix": {"expires_at": str(int(expires.timestamp()))}
    }
    assert create.params["metadata"] == META
    assert create.params["amount"] == "12345" and create.params["currency"] == "brl"
    assert confirm.path == f"/v1/payment_intents/{payment.provider_ref}/confirm"
    assert confirm.idempotency_key == "pix:42:1:confirm"
    assert confirm.params == {"payment_method_data": {"type": "pix"}}


def test_paid_pix_is_retrieved_as_succeeded_with_the_amount_received(provider, fake):
    payment = create_pix(provider)
    fake.pay_pix(payment.provider_ref)

    current = provider.retrieve(payment.provider_ref)

    assert current.status is PaymentStatus.SUCCEEDED
    assert current.amount_received_cents == 12_345
    assert current.refunded_cents == 0
    assert current.pix_payload is None  # no next action any more
    assert current.expires_at == payment.expires_at  # from payment_method_options


def test_failed_and_expired_pix_are_failed(provider, fake):
    failed = create_pix(provider, key="a")
    expired = create_pix(provider, key="b")
    fake.fail(failed.provider_ref)
    fake.expire_pix(expired.provider_ref)

    assert provider.retrieve(failed.provider_ref).status is PaymentStatus.FAILED
    assert provider.retrieve(expired.provider_ref).status is PaymentStatus.FAILED


def test_pix_needs_an_aware_expiry(provider, fake):
    with pytest.raises(ValueError, match="timezone-aware"):
        create_pix(provider, expires=datetime(2030, 1, 1))
    assert fake.calls == []


def test_pix_not_enabled_on_the_account_is_a_provider_error_and_nothing_is_shown():
    fake = FakeStripe(payment_methods=("card",))
    provider = StripeProvider("sk_test_x", [SECRET], http_client=fake, max_network_retries=0)

    with pytest.raises(ProviderError, match="Pix"):
        create_pix(provider)
    assert [c.path for c in fake.calls] == ["/v1/payment_intents"]  # never confirmed


def test_stripe_validation_errors_become_provider_errors(provider, fake):
    with pytest.raises(ProviderError, match="amount_too_small"):
        create_pix(provider, amount=10)
    with pytest.raises(ProviderError, match="expires_at"):
        create_pix(provider, key="later", expires=_in(60 * 24 * 15))
    assert fake.payment_intents == {}


# ---------------------------------------------------------------------------- card


def test_card_checkout_returns_the_hosted_page(provider, fake):
    payment = create_card(provider)

    assert payment.status is PaymentStatus.AWAITING
    assert payment.provider_ref.startswith("cs_")
    assert payment.checkout_url == f"https://checkout.stripe.com/c/pay/{payment.provider_ref}"
    assert payment.payment_intent_id is None  # Stripe creates it when the payer completes
    assert payment.amount_cents == 12_345
    assert payment.amount_received_cents is None
    assert payment.metadata == META

    (call,) = fake.calls
    assert call.idempotency_key == "card:42:1"
    params = call.params
    assert params["mode"] == "payment"
    assert params["allowed_payment_method_types"] == ["card"]
    assert params["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "brl",
                "unit_amount": "12345",
                "product_data": {"name": "Parcela 1 de 3"},
            },
        }
    ]
    assert params["locale"] == "pt-BR"
    assert params["payment_intent_data"] == {"metadata": META, "description": "Parcela 1 de 3"}
    assert params["success_url"].endswith("/ok") and params["cancel_url"].endswith("/cancelado")


def test_completed_checkout_is_succeeded_with_its_payment_intent(provider, fake):
    payment = create_card(provider)
    fake.complete_checkout(payment.provider_ref)

    current = provider.retrieve(payment.provider_ref)

    assert current.status is PaymentStatus.SUCCEEDED
    assert current.payment_intent_id in fake.payment_intents
    assert current.amount_received_cents == 12_345
    assert current.checkout_url is None
    assert fake.payment_intents[current.payment_intent_id]["metadata"] == META


def test_checkout_unpaid_completion_is_processing_and_expiry_is_expired(provider, fake):
    delayed = create_card(provider, key="a")
    abandoned = create_card(provider, key="b")
    fake.complete_checkout(delayed.provider_ref, paid=False)
    fake.expire_checkout(abandoned.provider_ref)

    assert provider.retrieve(delayed.provider_ref).status is PaymentStatus.PROCESSING
    assert provider.retrieve(abandoned.provider_ref).status is PaymentStatus.EXPIRED


def test_retrieve_refuses_an_id_that_is_not_ours(provider):
    with pytest.raises(ValueError):
        provider.retrieve("ch_123")


# ---------------------------------------------------------------------------- cancel


def test_cancel_an_open_pix(provider, fake):
    payment = create_pix(provider)

    canceled = provider.cancel(payment.provider_ref, idempotency_key="cancel:1")

    assert canceled.status is PaymentStatus.CANCELED
    assert fake.payment_intents[payment.provider_ref]["status"] == "canceled"
    assert fake.calls[-1].params == {"cancellation_reason": "abandoned"}
    assert fake.calls[-1].idempotency_key == "cancel:1"


def test_cancel_a_pix_that_was_paid_meanwhile_returns_succeeded(provider, fake):
    payment = create_pix(provider)
    fake.pay_pix(payment.provider_ref)

    result = provider.cancel(payment.provider_ref, idempotency_key="cancel:1")

    assert result.status is PaymentStatus.SUCCEEDED
    assert result.amount_received_cents == 12_345
    assert fake.payment_intents[payment.provider_ref]["status"] == "succeeded"


def test_cancel_an_already_canceled_pix_returns_canceled(provider, fake):
    payment = create_pix(provider)
    provider.cancel(payment.provider_ref, idempotency_key="cancel:1")

    again = provider.cancel(payment.provider_ref, idempotency_key="cancel:2")

    assert again.status is PaymentStatus.CANCELED


def test_cancel_an_open_checkout_expires_it(provider, fake):
    payment = create_card(provider)

    result = provider.cancel(payment.provider_ref, idempotency_key="cancel:1")

    assert result.status is PaymentStatus.EXPIRED
    assert fake.checkout_sessions[payment.provider_ref]["status"] == "expired"
    assert fake.calls[-1].path.endswith("/expire")


def test_cancel_a_checkout_completed_meanwhile_returns_succeeded(provider, fake):
    payment = create_card(provider)
    fake.complete_checkout(payment.provider_ref)

    result = provider.cancel(payment.provider_ref, idempotency_key="cancel:1")

    assert result.status is PaymentStatus.SUCCEEDED
    assert result.payment_intent_id is not None


def test_cancel_of_an_unknown_object_is_a_provider_error(provider):
    with pytest.raises(ProviderError):
        provider.cancel("pi_doesnotexist", idempotency_key="cancel:1")


def test_cancel_refused_while_still_open_is_a_provider_error(provider, fake):
    payment = create_pix(provider)
    refusal = {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_locked",
            "message": "This object is locked.",
        }
    }
    fake.respond_next(400, refusal, path="*/cancel")

    with pytest.raises(ProviderError, match="resource_locked"):
        provider.cancel(payment.provider_ref, idempotency_key="cancel:1")
    assert fake.payment_intents[payment.provider_ref]["status"] == "requires_action"


def test_cancel_network_failure_and_foreign_ids(provider, fake):
    payment = create_card(provider)
    fake.fail_next(1, kind="connection")
    with pytest.raises(ProviderError, match="could not be reached"):
        provider.cancel(payment.provider_ref, idempotency_key="cancel:1")
    with pytest.raises(ValueError):
        provider.cancel("in_123", idempotency_key="cancel:2")


@pytest.mark.parametrize(
    ("ref", "body"),
    [
        ("pi_odd", {"id": "pi_odd", "object": "payment_intent", "amount": 100, "status": "paused"}),
        (
            "cs_odd",
            {"id": "cs_odd", "object": "checkout.session", "amount_total": 100, "status": "draft"},
        ),
    ],
)
def test_an_unknown_status_is_a_provider_error(provider, fake, ref, body):
    fake.respond_next(200, body)
    with pytest.raises(ProviderError, match="unknown"):
        provider.retrieve(ref)


# ---------------------------------------------------------------------------- refunds


def test_partial_then_full_refund(provider, fake):
    payment = create_pix(provider)
    fake.pay_pix(payment.provider_ref)

    first = provider.refund(payment.provider_ref, 2_345, idempotency_key="refund:1")
    partly = provider.retrieve(payment.provider_ref)
    second = provider.refund(payment.provider_ref, 10_000, idempotency_key="refund:2")
    fully = provider.retrieve(payment.provider_ref)

    assert first.startswith("re_") and second.startswith("re_") and first != second
    assert fake.calls[-4].params == {"payment_intent": payment.provider_ref, "amount": "2345"}
    assert fake.calls[-4].idempotency_key == "refund:1"
    assert (partly.status, partly.refunded_cents) == (PaymentStatus.SUCCEEDED, 2_345)
    assert (fully.status, fully.refunded_cents) == (PaymentStatus.REFUNDED, 12_345)


def test_refund_of_a_card_payment_shows_on_the_session(provider, fake):
    payment = create_card(provider)
    fake.complete_checkout(payment.provider_ref)
    intent_id = provider.retrieve(payment.provider_ref).payment_intent_id

    provider.refund(intent_id, 12_345, idempotency_key="refund:1")

    current = provider.retrieve(payment.provider_ref)
    assert (current.status, current.refunded_cents) == (PaymentStatus.REFUNDED, 12_345)


def test_refund_replay_returns_the_same_refund(provider, fake):
    payment = create_pix(provider)
    fake.pay_pix(payment.provider_ref)

    first = provider.refund(payment.provider_ref, 100, idempotency_key="refund:1")
    again = provider.refund(payment.provider_ref, 100, idempotency_key="refund:1")

    assert first == again and len(fake.refunds) == 1


def test_refund_of_more_than_was_paid_is_refused(provider, fake):
    payment = create_pix(provider)
    fake.pay_pix(payment.provider_ref)

    with pytest.raises(ProviderError):
        provider.refund(payment.provider_ref, 12_346, idempotency_key="refund:1")
    with pytest.raises(ValueError):
        provider.refund(payment.provider_ref, 0, idempotency_key="refund:2")
    assert fake.refunds == {}


# ---------------------------------------------------------------------------- idempotency


def test_replayed_pix_creation_returns_the_same_object(provider, fake):
    first = create_pix(provider)
    again = create_pix(provider)

    assert again == first
    assert len(fake.payment_intents) == 1
    assert [c.replayed for c in fake.calls] == [False, False, True, True]


def test_replayed_checkout_creation_returns_the_same_session(provider, fake):
    first = create_card(provider)
    again = create_card(provider)

    assert again.provider_ref == first.provider_ref
    assert again.checkout_url == first.checkout_url
    assert len(fake.checkout_sessions) == 1


def test_same_key_other_parameters_is_an_error_and_no_second_object(provider, fake):
    """Scenario 25 (second half)."""
    create_card(provider)
    with pytest.raises(ProviderError, match="idempotency key was already used"):
        create_card(provider, amount=99_999)
    assert len(fake.checkout_sessions) == 1

    create_pix(provider)
    with pytest.raises(ProviderError, match="idempotency key was already used"):
        create_pix(provider, description="Parcela 2 de 3")
    assert len(fake.payment_intents) == 1


@pytest.mark.parametrize("kind", ["connection", "timeout", "500"])
def test_network_failure_then_retry_with_the_same_key_gives_one_session(provider, fake, kind):
    """Scenario 25: ``timeout`` is the nasty one (Stripe created it; the answer was lost)."""
    fake.fail_next(1, kind=kind)
    with pytest.raises(ProviderError):
        create_card(provider)

    payment = create_card(provider)

    assert len(fake.checkout_sessions) == 1
    assert payment.provider_ref in fake.checkout_sessions
    assert {c.idempotency_key for c in fake.calls} == {"card:42:1"}
    assert fake.calls[-1].replayed is (kind == "timeout")


@pytest.mark.parametrize("lost", [None, "*/confirm"])  # the create's answer, the confirm's
def test_pix_retry_after_a_lost_answer_gives_one_intent(provider, fake, lost):
    fake.fail_next(1, kind="timeout", path=lost)
    with pytest.raises(ProviderError, match="could not be reached"):
        create_pix(provider)

    payment = create_pix(provider)

    assert payment.status is PaymentStatus.AWAITING
    assert parse_brcode(payment.pix_payload).amount_cents == 12_345
    assert list(fake.payment_intents) == [payment.provider_ref]
    assert len(fake.events("payment_intent.requires_action")) == 1  # confirmed once


def test_sdk_retries_use_the_same_key(fake, monkeypatch):
    monkeypatch.setattr(stripe._http_client.time, "sleep", lambda seconds: None)
    provider = StripeProvider("sk_test_x", [SECRET], http_client=fake, max_network_retries=2)
    fake.fail_next(1, kind="timeout")
    fake.fail_next(1, kind="500")

    payment = create_card(provider)

    assert len(fake.checkout_sessions) == 1 and payment.provider_ref in fake.checkout_sessions
    assert [c.idempotency_key for c in fake.calls] == ["card:42:1"] * 3
    assert [c.replayed for c in fake.calls] == [False, False, True]


@pytest.mark.parametrize(
    ("kind", "message"),
    [("connection", "could not be reached"), ("429", "rate-limited"), ("500", "500")],
)
def test_transport_errors_are_provider_errors(provider, fake, kind, message):
    fake.fail_next(1, kind=kind)
    with pytest.raises(ProviderError, match=message):
        provider.retrieve("pi_anything")


def test_api_base_is_used(fake):
    provider = StripeProvider(
        "sk_test_x",
        [SECRET],
        http_client=fake,
        max_network_retries=0,
        api_base="http://127.0.0.1:12111",
    )
    create_card(provider)
    assert fake.calls[0].url == "http://127.0.0.1:12111/v1/checkout/sessions"


def test_webhook_secrets_are_required():
    with pytest.raises(ValueError):
        StripeProvider("sk_test_x", ["", " "])


# ---------------------------------------------------------------------------- webhooks


def test_valid_webhook_is_mapped(provider, fake):
    payment = create_pix(provider)
    fake.pay_pix(payment.provider_ref)
    event = only_event(fake, "payment_intent.succeeded")
    payload, headers = fake.signed(event, SECRET)

    parsed = provider.parse_webhook(payload, headers)

    assert parsed.event_id == event["id"] and parsed.event_id.startswith("evt_")
    assert parsed.type == "payment_intent.succeeded"
    assert parsed.created == datetime.fromtimestamp(event["created"], UTC)
    assert parsed.raw == json.loads(payload)
    assert parsed.payment is not None
    assert parsed.payment.provider_ref == payment.provider_ref
    assert parsed.payment.status is PaymentStatus.SUCCEEDED
    assert parsed.payment.amount_received_cents == 12_345
    assert parsed.payment.metadata == META


def test_header_name_is_case_insensitive(provider, fake):
    create_pix(provider)
    payload, headers = fake.signed(only_event(fake, "payment_intent.requires_action"), SECRET)
    lower = {k.lower(): v for k, v in headers.items()}
    assert provider.parse_webhook(payload, lower).payment.status is PaymentStatus.AWAITING


def test_flask_request_headers_work(provider, fake):
    from werkzeug.datastructures import Headers

    create_pix(provider)
    payload, headers = fake.signed(only_event(fake, "payment_intent.requires_action"), SECRET)
    assert provider.parse_webhook(payload, Headers(headers)).payment is not None


def _signed_success(provider, fake, secret=SECRET, timestamp=None):
    payment = create_pix(provider)
    fake.pay_pix(payment.provider_ref)
    return fake.signed(only_event(fake, "payment_intent.succeeded"), secret, timestamp)


def test_bad_signature_is_refused(provider, fake):
    """Scenario 20."""
    payload, headers = _signed_success(provider, fake, secret="whsec_somebody_else")
    with pytest.raises(InvalidSignature):
        provider.parse_webhook(payload, headers)


def test_missing_or_garbled_header_is_refused(provider, fake):
    payload, _ = _signed_success(provider, fake)
    with pytest.raises(InvalidSignature, match="no Stripe-Signature"):
        provider.parse_webhook(payload, {"Content-Type": "application/json"})
    for garbage in ("", "v1=abc", "t=notanumber,v1=abc", "t=123"):
        with pytest.raises(InvalidSignature):
            provider.parse_webhook(payload, {"Stripe-Signature": garbage})


def test_body_changed_after_signing_is_refused(provider, fake):
    payload, headers = _signed_success(provider, fake)
    tampered = payload.replace(b'"amount_received": 12345', b'"amount_received": 99999')
    assert tampered != payload
    with pytest.raises(InvalidSignature):
        provider.parse_webhook(tampered, headers)
    with pytest.raises(InvalidSignature):  # re-serialised JSON is a different body too
        provider.parse_webhook(json.dumps(json.loads(payload), indent=1).encode(), headers)


def test_stale_signature_is_refused_and_a_fresh_one_accepted(provider, fake):
    old = int(time.time()) - 301
    payload, headers = _signed_success(provider, fake, timestamp=old)
    with pytest.raises(InvalidSignature, match="tolerance"):
        provider.parse_webhook(payload, headers)
    payload, headers = fake.signed(json.loads(payload), SECRET, int(time.time()) - 290)
    assert provider.parse_webhook(payload, headers).payment is not None


def test_rotation_old_secret_still_verifies(provider, fake):
    payload, headers = _signed_success(provider, fake, secret=OLD_SECRET)
    assert provider.parse_webhook(payload, headers).type == "payment_intent.succeeded"

    only_new = StripeProvider("sk_test_x", [SECRET], http_client=fake)
    with pytest.raises(InvalidSignature):
        only_new.parse_webhook(payload, headers)


def test_signed_body_that_is_not_an_event_is_refused(provider):
    for body in (b"\xff\xfe", b"not json", b'{"object": "charge", "id": "ch_1"}', b"[1]"):
        text = body.decode("utf-8", "replace")
        header = stripe.WebhookSignature.generate_signature_header(text, SECRET)
        with pytest.raises(InvalidSignature):
            provider.parse_webhook(body, {"Stripe-Signature": header})


def test_unknown_event_type_has_no_payment(provider, fake):
    """Scenario 21: verified, mapped to nothing (the caller answers 2xx and ignores it)."""
    create_pix(provider)
    event = only_event(fake, "payment_intent.created")
    event["type"] = "customer.subscription.created"
    parsed = provider.parse_webhook(*fake.signed(event, SECRET))
    assert parsed.payment is None and parsed.type == "customer.subscription.created"
    parsed = provider.parse_webhook(
        *fake.signed(only_event(fake, "payment_intent.created"), SECRET)
    )
    assert parsed.payment is None


def test_event_with_an_unreadable_object_has_no_payment(provider, fake):
    event = {
        "id": "evt_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {"object": {"id": "pi_1", "status": "new"}},
    }
    assert provider.parse_webhook(*fake.signed(event, SECRET)).payment is None


@pytest.mark.parametrize(
    ("drive", "type_", "status"),
    [
        (lambda f, ref: None, "payment_intent.requires_action", PaymentStatus.AWAITING),
        (
            lambda f, ref: f.set_processing(ref),
            "payment_intent.processing",
            PaymentStatus.PROCESSING,
        ),
        (lambda f, ref: f.fail(ref), "payment_intent.payment_failed", PaymentStatus.FAILED),
        (
            lambda f, ref: f.expire_pix(ref, outcome="canceled"),
            "payment_intent.canceled",
            PaymentStatus.CANCELED,
        ),
    ],
)
def test_payment_intent_events(provider, fake, drive, type_, status):
    payment = create_pix(provider)
    drive(fake, payment.provider_ref)
    parsed = provider.parse_webhook(*fake.signed(only_event(fake, type_), SECRET))
    assert parsed.payment.status is status
    assert parsed.payment.provider_ref == payment.provider_ref


@pytest.mark.parametrize(
    ("drive", "type_", "status", "received"),
    [
        (
            lambda f, ref: f.complete_checkout(ref),
            "checkout.session.completed",
            PaymentStatus.SUCCEEDED,
            12_345,
        ),
        (
            lambda f, ref: f.complete_checkout(ref, paid=False),
            "checkout.session.completed",
            PaymentStatus.PROCESSING,
            None,
        ),
        (
            lambda f, ref: (f.complete_checkout(ref, paid=False), f.async_payment(ref)),
            "checkout.session.async_payment_succeeded",
            PaymentStatus.SUCCEEDED,
            12_345,
        ),
        (
            lambda f, ref: (
                f.complete_checkout(ref, paid=False),
                f.async_payment(ref, succeeded=False),
            ),
            "checkout.session.async_payment_failed",
            PaymentStatus.FAILED,
            None,
        ),
        (
            lambda f, ref: f.expire_checkout(ref),
            "checkout.session.expired",
            PaymentStatus.EXPIRED,
            None,
        ),
    ],
)
def test_checkout_session_events(provider, fake, drive, type_, status, received):
    payment = create_card(provider)
    drive(fake, payment.provider_ref)
    parsed = provider.parse_webhook(*fake.signed(only_event(fake, type_), SECRET))
    assert parsed.payment.provider_ref == payment.provider_ref
    assert parsed.payment.status is status
    assert parsed.payment.amount_received_cents == received
    assert parsed.payment.metadata == META
    if type_ != "checkout.session.expired":
        assert parsed.payment.payment_intent_id in fake.payment_intents


def test_charge_refunded_partial_then_full(provider, fake):
    payment = create_card(provider)
    fake.complete_checkout(payment.provider_ref)
    intent_id = fake.checkout_sessions[payment.provider_ref]["payment_intent"]
    provider.refund(intent_id, 345, idempotency_key="refund:1")
    provider.refund(intent_id, 12_000, idempotency_key="refund:2")

    partial, full = (
        provider.parse_webhook(*fake.signed(e, SECRET)).payment
        for e in fake.events("charge.refunded")
    )

    assert (partial.status, partial.refunded_cents) == (PaymentStatus.SUCCEEDED, 345)
    assert (full.status, full.refunded_cents) == (PaymentStatus.REFUNDED, 12_345)
    for mapped in (partial, full):
        assert mapped.provider_ref == mapped.payment_intent_id == intent_id
        assert mapped.amount_cents == 12_345


# ---------------------------------------------------------------------------- reconciliation


def test_undelivered_events_paginate_and_map():
    """Scenario 24: the endpoint was down; the API lists what it could not deliver."""
    now = [time.time() - 3600]
    fake = FakeStripe(clock=lambda: now[0])
    provider = StripeProvider("sk_test_x", [SECRET], http_client=fake, max_network_retries=0)
    create_pix(provider, key="before")  # 2 events, older than `since`
    since = datetime.fromtimestamp(now[0] + 1, UTC)
    for event in fake.events():
        fake.undeliver(event["id"])
    now[0] += 10
    refs = []
    for n in range(55):  # 110 events: two pages of at most 100
        refs.append(create_pix(provider, key=f"pix:{n}").provider_ref)
        now[0] += 1
    fake.pay_pix(refs[0])
    recent = [e for e in fake.events() if e["created"] >= since.timestamp()]
    delivered = [e for e in recent if e["type"] == "payment_intent.requires_action"][:5]
    for event in recent:
        if event not in delivered:
            fake.undeliver(event["id"])
    fake.calls.clear()

    found = provider.undelivered_events(since)

    expected = [e["id"] for e in fake.events(delivered=False) if e["created"] >= since.timestamp()]
    assert [e.event_id for e in found] == expected  # oldest first
    assert len(found) == 112 - 5
    listing = [c for c in fake.calls if c.path == "/v1/events"]
    assert len(listing) == 2
    assert listing[0].params == {
        "delivery_success": "false",
        "created": {"gte": str(int(since.timestamp()))},
        "limit": "100",
    }
    assert listing[1].params["starting_after"] == found[-100].event_id
    by_type = {e.type for e in found}
    assert by_type == {
        "payment_intent.created",
        "payment_intent.requires_action",
        "charge.succeeded",
        "payment_intent.succeeded",
    }
    succeeded = next(e for e in found if e.type == "payment_intent.succeeded")
    assert succeeded.payment.provider_ref == refs[0]
    assert succeeded.payment.status is PaymentStatus.SUCCEEDED
    assert all(e.payment is None for e in found if e.type.endswith(".created"))


def test_no_undelivered_events(provider, fake):
    create_pix(provider)
    assert provider.undelivered_events(_in(-60)) == []
