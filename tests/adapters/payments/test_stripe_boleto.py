"""Stripe boleto through the SDK against the stateful fake Stripe: create and confirm with the
payer's data, the voucher's details, idempotency, the webhooks of a paid or expired boleto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.adapters.payments.base import BoletoCharges, BoletoPayer, Payee, ProviderError
from portal.adapters.payments.stripe import StripeProvider
from portal.domain.boleto import parse_line
from portal.domain.payments import PaymentStatus
from tests.fake_stripe import FakeStripe

SECRET = "whsec_current_0123456789"
PAYEE = Payee(name="Credora Cobranças Ltda", cnpj="11222333000181", city="São Paulo", pix_key=None)
PAYER = BoletoPayer(
    tax_id="52998224725",
    name="Maria da Silva",
    email="maria@example.com",
    line1="Rua das Flores, 10",
    city="São Paulo",
    state="SP",
    postal_code="01310100",
)
META = {"installment_id": "42", "attempt": "1"}


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def provider(fake: FakeStripe) -> StripeProvider:
    return StripeProvider("sk_test_x", [SECRET], http_client=fake, max_network_retries=0)


def create(
    provider: StripeProvider, key: str = "inst:42:boleto:1", amount: int = 12_345, **kw: Any
) -> Any:
    return provider.create_boleto(
        amount_cents=amount,
        description="Acordo 7 - pagamento 2 de 3",
        payee=PAYEE,
        payer=kw.pop("payer", PAYER),
        metadata=META,
        expires_after_days=kw.pop("days", 3),
        idempotency_key=key,
    )


def test_stripe_offers_boleto(provider):
    assert isinstance(provider, BoletoCharges)


def test_create_gives_a_valid_linha_digitavel_voucher_and_due_moment(provider, fake):
    payment = create(provider)
    assert payment.status is PaymentStatus.AWAITING
    assert payment.provider_ref.startswith("pi_")
    boleto = parse_line(payment.boleto_line)  # every check digit verified
    assert boleto.amount_cents == 12_345
    assert payment.voucher_url.startswith("https://payments.stripe.com/boleto/voucher/")
    assert payment.voucher_pdf_url.endswith("/pdf")
    local = payment.expires_at.astimezone(ZoneInfo("America/Sao_Paulo"))
    today = datetime.now(ZoneInfo("America/Sao_Paulo")).date()
    assert (local.date() - today).days == 3 and (local.hour, local.minute) == (23, 59)
    # What went to Stripe: boleto only, the expiry in days, the payer's tax id and address.
    create_call, confirm_call = [c for c in fake.calls if c.method == "post"]
    assert create_call.params["allowed_payment_method_types"] == ["boleto"]
    assert create_call.params["payment_method_options"] == {"boleto": {"expires_after_days": "3"}}
    assert create_call.idempotency_key == "inst:42:boleto:1"
    data = confirm_call.params["payment_method_data"]
    assert data["type"] == "boleto" and data["boleto"] == {"tax_id": "52998224725"}
    assert data["billing_details"]["address"]["country"] == "BR"
    assert data["billing_details"]["email"] == "maria@example.com"
    assert confirm_call.idempotency_key == "inst:42:boleto:1:confirm"


def test_a_retry_with_the_same_key_gives_back_the_same_boleto(provider, fake):
    first = create(provider)
    again = create(provider)
    assert again.provider_ref == first.provider_ref
    assert again.boleto_line == first.boleto_line
    assert len(fake.payment_intents) == 1
    with pytest.raises(ProviderError, match="idempotency key"):
        create(provider, amount=999)


def test_a_network_failure_then_retry_creates_one_intent(provider, fake):
    fake.fail_next(1, "connection", path="/v1/payment_intents")
    with pytest.raises(ProviderError, match="could not be reached"):
        create(provider)
    payment = create(provider)
    assert payment.status is PaymentStatus.AWAITING
    assert len(fake.payment_intents) == 1


def test_an_account_without_boleto_is_refused(fake):
    fake.payment_methods = ("card", "pix")
    provider = StripeProvider("sk_test_x", [SECRET], http_client=fake, max_network_retries=0)
    with pytest.raises(ProviderError, match="Boleto enabled"):
        create(provider)


def test_a_payer_without_a_valid_tax_id_is_refused(provider):
    with pytest.raises(ProviderError, match="tax_id"):
        create(provider, payer=BoletoPayer(**{**PAYER.__dict__, "tax_id": "123"}))


def _event(fake: FakeStripe, type_: str, provider: StripeProvider) -> Any:
    event = fake.events(type_)[-1]
    payload, headers = fake.signed(event, SECRET)
    return provider.parse_webhook(payload, headers)


def test_paid_boleto_webhook_says_succeeded_with_the_amount(provider, fake):
    payment = create(provider)
    fake.pay_boleto(payment.provider_ref)
    event = _event(fake, "payment_intent.succeeded", provider)
    assert event.payment.provider_ref == payment.provider_ref
    assert event.payment.status is PaymentStatus.SUCCEEDED
    assert event.payment.amount_received_cents == 12_345
    assert provider.retrieve(payment.provider_ref).status is PaymentStatus.SUCCEEDED


def test_expired_boleto_webhook_says_failed(provider, fake):
    payment = create(provider)
    fake.expire_boleto(payment.provider_ref)
    event = _event(fake, "payment_intent.payment_failed", provider)
    assert event.payment.status is PaymentStatus.FAILED


def test_a_boleto_is_cancelled_and_cannot_be_refunded(provider, fake):
    open_one = create(provider, key="inst:42:boleto:2")
    assert provider.cancel(open_one.provider_ref, idempotency_key="c").status is (
        PaymentStatus.CANCELED
    )
    paid = create(provider)
    fake.pay_boleto(paid.provider_ref)
    with pytest.raises(ProviderError, match="not supported"):
        provider.refund(paid.provider_ref, 100, idempotency_key="r")


def test_fake_helpers_refuse_a_pix_intent(provider, fake):
    pix = provider.create_pix(
        amount_cents=500,
        description="x",
        payee=PAYEE,
        metadata=META,
        expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1),
        idempotency_key="pix:1",
    )
    with pytest.raises(ValueError, match="not a boleto"):
        fake.pay_boleto(pix.provider_ref)
    with pytest.raises(ValueError, match="not a boleto"):
        fake.expire_boleto(pix.provider_ref)
