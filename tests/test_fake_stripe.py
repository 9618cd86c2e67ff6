"""tests/fake_stripe.py: the fake's own contract (form decoding, idempotency, events, failures).

The adapter's tests lean on these semantics; they are checked here against the SDK itself
(its encoder, its exception classes, its webhook verifier).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest
import stripe
from stripe._encode import _api_encode

from portal.domain.pix import parse_brcode
from tests.fake_stripe import FakeStripe, decode_form, unknown_parameter


def sdk_encode(params: dict[str, Any]) -> str:
    """Exactly what the SDK puts on the wire (``_api_requestor``)."""
    return urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return fake.client()


def pix_params(**overrides: Any) -> dict[str, Any]:
    return {
        "amount": 5000,
        "currency": "brl",
        "allowed_payment_method_types": ["pix"],
        "payment_method_options": {"pix": {"expires_after_seconds": 3600}},
        "description": "Parcela 2",
        "metadata": {"installment_id": "9"},
        **overrides,
    }


def paid_pix(fake: FakeStripe, client: stripe.StripeClient) -> str:
    intent = client.v1.payment_intents.create(
        pix_params(confirm=True, payment_method_data={"type": "pix"})
    )
    fake.pay_pix(intent.id)
    return intent.id


# ---------------------------------------------------------------------------- form decoding


def test_decode_form_nesting_lists_and_blanks():
    text = (
        "amount=100&metadata[a]=1&metadata[b]=&line_items[0][quantity]=1"
        "&line_items[0][price_data][product_data][name]=Parcela%201%2F3"
        "&line_items[1][quantity]=2&expand[]=x&expand[]=y&flag=true"
    )
    assert decode_form(text) == {
        "amount": "100",
        "metadata": {"a": "1", "b": ""},
        "line_items": [
            {"quantity": "1", "price_data": {"product_data": {"name": "Parcela 1/3"}}},
            {"quantity": "2"},
        ],
        "expand": ["x", "y"],
        "flag": "true",
    }


def test_decode_form_inverts_the_sdk_encoder():
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "brl",
                    "unit_amount": 12345,
                    "product_data": {"name": "Ação & cia"},
                },
            }
        ],
        "payment_intent_data": {"metadata": {"id": "1"}, "description": "d=e&f"},
        "allowed_payment_method_types": ["card", "pix"],
        "delivery_success": False,
        "created": {"gte": 10},
        "skipped": None,
    }
    assert decode_form(sdk_encode(params)) == {
        "mode": "payment",
        "line_items": [
            {
                "quantity": "1",
                "price_data": {
                    "currency": "brl",
                    "unit_amount": "12345",
                    "product_data": {"name": "Ação & cia"},
                },
            }
        ],
        "payment_intent_data": {"metadata": {"id": "1"}, "description": "d=e&f"},
        "allowed_payment_method_types": ["card", "pix"],
        "delivery_success": "false",
        "created": {"gte": "10"},
    }
    assert decode_form("") == {}


def test_decode_form_keeps_sparse_indexes_as_a_hash():
    assert decode_form("a[0]=x&a[2]=y") == {"a": {"0": "x", "2": "y"}}


@pytest.mark.parametrize("text", ["a=1&a[b]=2", "a[b]=2&a=1", "a]=1", "a[b=1"])
def test_decode_form_rejects_malformed_names(text):
    with pytest.raises(ValueError):
        decode_form(text)


def test_unknown_parameter_uses_the_sdk_params_as_the_spec():
    from stripe.params import PaymentIntentCreateParams
    from stripe.params.checkout import SessionCreateParams

    assert (
        unknown_parameter(decode_form(sdk_encode(pix_params())), PaymentIntentCreateParams) is None
    )
    assert unknown_parameter({"amout": "1"}, PaymentIntentCreateParams) == "amout"
    assert unknown_parameter({"api_key": "sk"}, PaymentIntentCreateParams) == "api_key"
    assert unknown_parameter(
        {"payment_method_options": {"pix": {"expire_at": "1"}}}, PaymentIntentCreateParams
    ) == ("payment_method_options[pix][expire_at]")
    assert unknown_parameter({"metadata": {"anything": "goes"}}, PaymentIntentCreateParams) is None
    assert (
        unknown_parameter({"line_items": [{"quantity": "1"}, {"qty": "1"}]}, SessionCreateParams)
        == "line_items[1][qty]"
    )


# ---------------------------------------------------------------------------- API shape


def test_pix_intent_shape_and_a_valid_br_code(fake, client):
    now = time.time()
    intent = client.v1.payment_intents.create(pix_params())
    assert (intent.object, intent.status, intent.currency) == (
        "payment_intent",
        "requires_payment_method",
        "brl",
    )
    assert intent.id.startswith("pi_") and intent.payment_method_types == ["pix"]
    assert intent.metadata.to_dict() == {"installment_id": "9"}

    confirmed = client.v1.payment_intents.confirm(
        intent.id, {"payment_method_data": {"type": "pix"}}
    )
    assert confirmed.status == "requires_action"
    assert confirmed.next_action.type == "pix_display_qr_code"
    qr = confirmed.next_action.pix_display_qr_code
    assert now + 3600 - 2 <= qr.expires_at <= now + 3600 + 2
    assert qr.hosted_instructions_url.startswith("https://")
    code = parse_brcode(qr.data)
    assert code.amount_cents == 5000 and code.description == "Parcela 2"


def test_pix_code_without_a_description_that_cannot_be_encoded(client):
    intent = client.v1.payment_intents.create(
        pix_params(description="💸" * 5, confirm=True, payment_method_data={"type": "pix"})
    )
    assert parse_brcode(intent.next_action.pix_display_qr_code.data).description is None


def test_payment_method_types_is_no_longer_accepted(client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_intents.create(
            {"amount": 5000, "currency": "brl", "payment_method_types": ["pix"]}
        )  # type: ignore[typeddict-unknown-key]
    assert info.value.code == "payment_method_types_no_longer_supported"


@pytest.mark.parametrize(
    ("params", "code_or_param"),
    [
        (pix_params(amount=49), "amount_too_small"),
        (pix_params(amount=100_000_000), "amount_too_large"),
        (pix_params(currency="usd"), "currency"),
        (
            pix_params(payment_method_options={"pix": {"expires_after_seconds": 59}}),
            "payment_method_options[pix][expires_after_seconds]",
        ),
        (
            pix_params(payment_method_options={"pix": {"expires_at": int(time.time()) + 30}}),
            "payment_method_options[pix][expires_at]",
        ),
        (pix_params(metadata={"k" * 41: "v"}), "metadata[" + "k" * 41 + "]"),
        ({"currency": "brl"}, "parameter_missing"),
        (pix_params(amount="ten"), "parameter_invalid_integer"),
    ],
)
def test_create_validation(client, fake, params, code_or_param):
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_intents.create(params)
    assert code_or_param in (info.value.code, info.value.param)
    assert fake.payment_intents == {}


def test_checkout_session_shape_and_expiry_window(client, fake):
    base = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 2,
                "price_data": {
                    "currency": "brl",
                    "unit_amount": 1000,
                    "product_data": {"name": "x"},
                },
            }
        ],
    }
    session = client.v1.checkout.sessions.create(base)
    assert session.id.startswith("cs_") and session.status == "open"
    assert (session.amount_total, session.payment_status, session.payment_intent) == (
        2000,
        "unpaid",
        None,
    )
    assert session.url == f"https://checkout.stripe.com/c/pay/{session.id}"
    for seconds in (1799, 86_401):
        with pytest.raises(stripe.InvalidRequestError, match="expires_at"):
            client.v1.checkout.sessions.create({**base, "expires_at": int(time.time()) + seconds})
    assert len(fake.checkout_sessions) == 1


def test_unknown_route_and_unknown_object(client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_intents.retrieve("pi_missing")
    assert info.value.code == "resource_missing" and info.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError, match="Unrecognized request URL"):
        client.v1.customers.create({})


def test_expand(fake, client):
    intent_id = paid_pix(fake, client)
    plain = client.v1.payment_intents.retrieve(intent_id)
    expanded = client.v1.payment_intents.retrieve(intent_id, {"expand": ["latest_charge"]})
    assert isinstance(plain.latest_charge, str)
    assert expanded.latest_charge.id == plain.latest_charge
    assert expanded.latest_charge.amount_refunded == 0

    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "brl",
                        "unit_amount": 700,
                        "product_data": {"name": "x"},
                    },
                }
            ],
        }
    )
    unpaid = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["payment_intent.latest_charge"]}
    )
    assert unpaid.payment_intent is None
    fake.complete_checkout(session.id)
    paid = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["payment_intent.latest_charge"]}
    )
    assert paid.payment_intent.latest_charge.amount == 700
    with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
        client.v1.payment_intents.retrieve(intent_id, {"expand": ["amount"]})


# ---------------------------------------------------------------------------- idempotency


def test_same_key_same_parameters_replays_the_saved_answer(fake, client):
    first = client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    client.v1.payment_intents.cancel(first.id)  # it changes; a replay shows the saved answer
    again = client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})

    assert again.id == first.id and again.status == "requires_payment_method"
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(fake.payment_intents) == 1
    assert [(c.idempotency_key, c.replayed) for c in fake.calls if c.idempotency_key == "k"] == [
        ("k", False),
        ("k", True),
    ]


def test_same_key_other_parameters_or_endpoint_is_an_idempotency_error(fake, client):
    client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.payment_intents.create(pix_params(amount=5001), {"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError, match="same endpoint"):
        client.v1.refunds.create({"payment_intent": "pi_x"}, {"idempotency_key": "k"})
    assert len(fake.payment_intents) == 1 and fake.refunds == {}


def test_validation_errors_are_not_saved_state_errors_are(fake, client):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.create(pix_params(amount=1), {"idempotency_key": "k"})
    created = client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    assert created.amount == 5000  # the key was free: the refused request was not saved

    fake.payment_intents[created.id]["status"] = "succeeded"
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as info:
            client.v1.payment_intents.cancel(created.id, None, {"idempotency_key": "c"})
        assert info.value.code == "payment_intent_unexpected_state"
    fake.payment_intents[created.id]["status"] = "requires_action"
    with pytest.raises(stripe.InvalidRequestError):  # still the saved refusal
        client.v1.payment_intents.cancel(created.id, None, {"idempotency_key": "c"})
    assert fake.calls[-1].replayed


def test_keys_expire_after_24_hours():
    now = [1_800_000_000.0]
    fake = FakeStripe(clock=lambda: now[0])
    client = fake.client()
    params = pix_params(payment_method_options={})
    first = client.v1.payment_intents.create(params, {"idempotency_key": "k"})
    now[0] += 24 * 3600 + 1
    second = client.v1.payment_intents.create(params, {"idempotency_key": "k"})
    assert first.id != second.id and len(fake.payment_intents) == 2


def test_concurrent_requests_with_one_key_create_one_object(fake):
    results: list[str] = []

    def create() -> None:
        results.append(
            fake.client().v1.payment_intents.create(pix_params(), {"idempotency_key": "same"}).id
        )

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(fake.payment_intents) == 1


# ---------------------------------------------------------------------------- failures


def test_connection_failure_never_reaches_stripe(fake, client):
    fake.fail_next(1, "connection")
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    assert fake.payment_intents == {}
    assert fake.calls[0].status is None and fake.calls[0].failure == "connection"
    assert fake.calls[0].params["amount"] == "5000"  # what was sent, even if lost
    assert client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    assert not fake.calls[-1].replayed


def test_timeout_runs_the_request_and_loses_the_answer(fake, client):
    fake.fail_next(1, "timeout")
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    (created,) = fake.payment_intents
    again = client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    assert again.id == created and fake.calls[-1].replayed


def test_injected_server_errors_are_not_saved_and_the_sdk_retries(fake, monkeypatch):
    monkeypatch.setattr(stripe._http_client.time, "sleep", lambda seconds: None)
    fake.fail_next(1, "500")
    fake.fail_next(1, "429")
    client = fake.client(max_network_retries=0)
    with pytest.raises(stripe.APIError):
        client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    with pytest.raises(stripe.RateLimitError):
        client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    assert fake.payment_intents == {}

    fake.fail_next(2, "500")
    created = fake.client(max_network_retries=2).v1.payment_intents.create(pix_params())
    assert list(fake.payment_intents) == [created.id]
    retried = fake.calls[-3:]
    assert [c.status for c in retried] == [500, 500, 200]
    assert len({c.idempotency_key for c in retried}) == 1  # the SDK's own key, reused


def test_failure_for_a_path_waits_for_that_path(fake, client):
    fake.fail_next(1, "connection", path="*/confirm")
    intent = client.v1.payment_intents.create(pix_params())
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.confirm(intent.id, {"payment_method_data": {"type": "pix"}})
    assert fake.payment_intents[intent.id]["status"] == "requires_payment_method"
    with pytest.raises(ValueError):
        fake.fail_next(1, "dns")


def test_canned_answers(fake, client):
    fake.respond_next(
        402,
        {"error": {"type": "card_error", "code": "card_declined", "message": "Declined."}},
        path="/v1/refunds",
    )
    intent = client.v1.payment_intents.create(pix_params(), {"idempotency_key": "k"})
    with pytest.raises(stripe.CardError):
        client.v1.refunds.create({"payment_intent": intent.id}, {"idempotency_key": "r"})
    assert fake.calls[-1].status == 402 and fake.calls[-1].failure == "canned"
    fake.respond_next(200, {"id": "pi_x", "object": "payment_intent", "status": "odd"})
    assert client.v1.payment_intents.retrieve(intent.id).status == "odd"
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


# ---------------------------------------------------------------------------- helpers, events


def test_helpers_refuse_impossible_transitions(fake, client):
    intent = client.v1.payment_intents.create(pix_params())
    with pytest.raises(ValueError):
        fake.pay_pix(intent.id)  # not confirmed: no code to pay
    with pytest.raises(KeyError):
        fake.pay_pix("pi_unknown")
    client.v1.payment_intents.cancel(intent.id)
    for helper in (fake.fail, fake.expire_pix, fake.set_processing):
        with pytest.raises(ValueError):
            helper(intent.id)


def test_events_record_each_change_with_a_snapshot(fake, client):
    intent_id = paid_pix(fake, client)
    client.v1.refunds.create({"payment_intent": intent_id, "amount": 100})

    assert [e["type"] for e in fake.events()] == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "charge.succeeded",
        "payment_intent.succeeded",
        "refund.created",
        "charge.refunded",
    ]
    created, action = fake.events("payment_intent.*")[:2]
    assert created["data"]["object"]["status"] == "requires_payment_method"  # a snapshot
    assert action["data"]["object"]["next_action"]["type"] == "pix_display_qr_code"
    assert created["object"] == "event" and created["id"].startswith("evt_")
    refunded = fake.events("charge.refunded")[0]["data"]["object"]
    assert (refunded["amount_refunded"], refunded["refunded"]) == (100, False)


def test_signed_events_verify_with_the_sdk(fake, client):
    paid_pix(fake, client)
    event = fake.events("payment_intent.succeeded")[0]
    payload, headers = fake.signed(event["id"], "whsec_x")
    verified = stripe.Webhook.construct_event(
        payload.decode(), headers["Stripe-Signature"], "whsec_x"
    )
    assert verified.id == event["id"] and json.loads(payload) == event
    payload, headers = fake.signed(event, "whsec_x", timestamp=int(time.time()) - 400)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(payload.decode(), headers["Stripe-Signature"], "whsec_x")


def test_event_listing_filters_and_pages(fake, client):
    for _ in range(3):
        paid_pix(fake, client)  # 4 events each
    everything = fake.events()
    newest_first = [e["id"] for e in reversed(everything)]

    page = client.v1.events.list({"limit": 5})
    assert [e.id for e in page.data] == newest_first[:5] and page.has_more
    following = client.v1.events.list({"limit": 5, "starting_after": page.data[-1].id})
    assert [e.id for e in following.data] == newest_first[5:10]
    back = client.v1.events.list({"limit": 3, "ending_before": following.data[0].id})
    assert [e.id for e in back.data] == newest_first[2:5]
    assert [e.id for e in page.auto_paging_iter()] == newest_first

    assert client.v1.events.list({"delivery_success": False}).data == []
    fake.undeliver(everything[1]["id"])
    fake.undeliver(everything[6]["id"])
    undelivered = client.v1.events.list({"delivery_success": False})
    assert [e.id for e in undelivered.data] == [everything[6]["id"], everything[1]["id"]]
    fake.mark_delivered(everything[6]["id"])
    assert len(client.v1.events.list({"delivery_success": False}).data) == 1
    assert len(client.v1.events.list({"delivery_success": True, "limit": 100}).data) == 11

    succeeded = client.v1.events.list({"type": "payment_intent.succeeded"})
    assert len(succeeded.data) == 3
    assert len(client.v1.events.list({"types": ["charge.*", "payment_intent.created"]}).data) == 6
    future = client.v1.events.list({"created": {"gt": int(time.time()) + 60}})
    assert future.data == []
    assert client.v1.events.retrieve(everything[0]["id"]).type == "payment_intent.created"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.list({"limit": 101})


def test_new_events_can_start_undelivered():
    fake = FakeStripe(events_delivered=False)
    fake.client().v1.payment_intents.create(pix_params())
    assert len(fake.events(delivered=False)) == 1 and fake.events(delivered=True) == []
    with pytest.raises(KeyError):
        fake.undeliver("evt_unknown")


def test_checkout_lifecycle(fake, client):
    def session() -> str:
        return client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "metadata": {"a": "1"},
                "payment_intent_data": {"metadata": {"a": "1"}, "description": "Parcela"},
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "brl",
                            "unit_amount": 900,
                            "product_data": {"name": "x"},
                        },
                    }
                ],
            }
        ).id

    paid, delayed, abandoned = session(), session(), session()
    fake.complete_checkout(paid)
    fake.complete_checkout(delayed, paid=False)
    fake.async_payment(delayed, succeeded=False)
    expired = client.v1.checkout.sessions.expire(abandoned)

    intent = fake.payment_intents[fake.checkout_sessions[paid]["payment_intent"]]
    assert (intent["status"], intent["amount_received"], intent["metadata"]) == (
        "succeeded",
        900,
        {"a": "1"},
    )
    assert intent["description"] == "Parcela"
    failed = fake.payment_intents[fake.checkout_sessions[delayed]["payment_intent"]]
    assert failed["status"] == "requires_payment_method" and failed["last_payment_error"]
    assert expired.status == "expired" and expired.url is None
    with pytest.raises(stripe.InvalidRequestError, match='status in \\["open"\\]'):
        client.v1.checkout.sessions.expire(paid)
    with pytest.raises(ValueError):
        fake.complete_checkout(abandoned)
    assert [e["type"] for e in fake.events("checkout.*")] == [
        "checkout.session.completed",
        "checkout.session.completed",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    ]


# ---------------------------------------------------------------------------- boleto


def boleto_params(**overrides: Any) -> dict[str, Any]:
    return {
        "amount": 5000,
        "currency": "brl",
        "allowed_payment_method_types": ["boleto"],
        "payment_method_options": {"boleto": {"expires_after_days": 2}},
        "metadata": {"installment_id": "9"},
        **overrides,
    }


BOLETO_PAYER = {
    "type": "boleto",
    "boleto": {"tax_id": "52998224725"},
    "billing_details": {
        "name": "Maria da Silva",
        "email": "maria@example.com",
        "address": {
            "line1": "Rua A, 1",
            "city": "Recife",
            "state": "PE",
            "postal_code": "50050000",
            "country": "BR",
        },
    },
}


def test_boleto_confirm_gives_a_febraban_valid_voucher(fake, client):
    from portal.domain.boleto import parse_line

    intent = client.v1.payment_intents.create(
        boleto_params(confirm=True, payment_method_data=BOLETO_PAYER)
    ).to_dict()
    assert intent["status"] == "requires_action"
    details = intent["next_action"]["boleto_display_details"]
    boleto = parse_line(details["number"])
    assert boleto.amount_cents == 5000
    assert details["hosted_voucher_url"] and details["pdf"]
    assert details["expires_at"] > fake.clock() + 86_400  # two days ahead, 23:59 São Paulo
    assert "_boleto" not in json.dumps(intent)  # nothing of the fake's own bookkeeping leaks
    fake.pay_boleto(intent["id"])
    charge = fake.charges[fake.payment_intents[intent["id"]]["latest_charge"]]
    assert charge["payment_method_details"]["boleto"] == {"tax_id": "52998224725"}


@pytest.mark.parametrize(
    ("drop", "param"),
    [
        ("tax_id", "payment_method_data[boleto][tax_id]"),
        ("email", "payment_method_data[billing_details][email]"),
        ("postal_code", "payment_method_data[billing_details][address][postal_code]"),
    ],
)
def test_boleto_needs_the_payers_tax_id_email_and_address(fake, client, drop, param):
    data = json.loads(json.dumps(BOLETO_PAYER))
    if drop == "tax_id":
        data["boleto"] = {"tax_id": ""}
    elif drop == "email":
        del data["billing_details"]["email"]
    else:
        del data["billing_details"]["address"]["postal_code"]
    intent = client.v1.payment_intents.create(boleto_params())
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_intents.confirm(intent.id, {"payment_method_data": data})
    assert info.value.param == param


def test_boleto_expiry_days_out_of_range_and_a_bad_tax_id_are_refused(client):
    with pytest.raises(stripe.InvalidRequestError, match="expires_after_days"):
        client.v1.payment_intents.create(
            boleto_params(payment_method_options={"boleto": {"expires_after_days": 61}})
        )
    data = {**BOLETO_PAYER, "boleto": {"tax_id": "123"}}
    intent = client.v1.payment_intents.create(boleto_params())
    with pytest.raises(stripe.InvalidRequestError, match="CPF"):
        client.v1.payment_intents.confirm(intent.id, {"payment_method_data": data})


def test_an_expired_boleto_fails_and_a_paid_one_cannot_be_refunded(fake, client):
    expiring = client.v1.payment_intents.create(
        boleto_params(confirm=True, payment_method_data=BOLETO_PAYER)
    )
    failed = fake.expire_boleto(expiring.id)
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "payment_intent_payment_attempt_expired"
    assert fake.events("payment_intent.payment_failed")[-1]["data"]["object"]["id"] == expiring.id
    paid = client.v1.payment_intents.create(
        boleto_params(confirm=True, payment_method_data=BOLETO_PAYER)
    )
    fake.pay_boleto(paid.id)
    with pytest.raises(stripe.InvalidRequestError, match="not supported"):
        client.v1.refunds.create({"payment_intent": paid.id})
