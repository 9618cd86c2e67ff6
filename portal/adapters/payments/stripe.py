"""Stripe: Pix through a server-confirmed PaymentIntent, card through a hosted Checkout Session.

Built on ``stripe.StripeClient`` (stripe 16.1.0, API version ``2026-10-28.endive``):

* **Pix**: create a PaymentIntent, then confirm it on the server; the BR Code is
  ``next_action.pix_display_qr_code.data`` and we render the QR ourselves. The provider ref
  is the PaymentIntent id (``pi_…``).
* **Card**: a Checkout Session (the card never touches us: SAQ A). The provider ref is the
  session id (``cs_…``); its PaymentIntent only exists once the payer completes the page.
* **Boleto**: a PaymentIntent allowing ``boleto`` only, confirmed on the server with the
  payer's name, e-mail, address and CPF/CNPJ (``payment_method_data.boleto.tax_id``; a boleto
  must name its payer, the one place personal data goes to Stripe); the linha digitável,
  voucher page and PDF are ``next_action.boleto_display_details``. Paid at a bank, it succeeds
  by webhook a business day or more later; an unpaid one fails when it expires.
* Payment methods are chosen with ``allowed_payment_method_types``: this API version rejects
  ``payment_method_types`` (400 ``payment_method_types_no_longer_supported``, Stripe changelog
  2026-09-30.endive), and silently drops a type the account cannot use, so a Pix intent is
  checked to really allow Pix before it is confirmed.
* Every create carries the caller's idempotency key (the Pix confirm ``<key>:confirm``). A
  replay returns Stripe's *saved* answer, i.e. the state as of the first call; the same key
  with other parameters is refused (``ProviderError``), never a second object.
* Webhooks: the ``Stripe-Signature`` header is checked on the raw body against every
  configured secret (rotation), 300 s tolerance. Amounts come only from the signed object.

Nothing personal goes to Stripe or to the logs: metadata holds our ids only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import stripe
from stripe.params import (
    EventListParams,
    PaymentIntentConfirmParams,
    PaymentIntentCreateParams,
    RefundCreateParams,
)
from stripe.params.checkout import SessionCreateParams

from portal.adapters.payments import stripe_objects
from portal.adapters.payments.base import (
    BoletoPayer,
    InvalidSignature,
    Payee,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
)
from portal.domain.payments import PaymentStatus

log = logging.getLogger(__name__)

T = TypeVar("T")
P = PaymentStatus
WEBHOOK_TOLERANCE = 300

_IDEMPOTENCY_MESSAGE = (
    "Stripe refused {what}: this idempotency key was already used with other parameters. "
    "Keys must be derived from the request (one key per attempt and content); nothing new "
    "was created."
)


class StripeProvider:
    """The :class:`~portal.adapters.payments.base.PaymentProvider` for Stripe."""

    name = "stripe"

    def __init__(
        self,
        api_key: str,
        webhook_secrets: Sequence[str],
        *,
        http_client: stripe.HTTPClient | None = None,
        api_base: str | None = None,
        max_network_retries: int = 2,
    ) -> None:
        secrets = tuple(s for s in webhook_secrets if s and s.strip())
        if not secrets:
            raise ValueError("at least one webhook signing secret (whsec_…) is required")
        self._secrets = secrets
        self._client = stripe.StripeClient(
            api_key,
            http_client=http_client,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
        )

    # ------------------------------------------------------------------ payments

    def create_pix(
        self,
        *,
        amount_cents: int,
        description: str,
        payee: Payee,
        metadata: Mapping[str, str],
        expires_at: datetime,
        idempotency_key: str,
    ) -> ProviderPayment:
        """Create and confirm a Pix PaymentIntent (``payee`` is Stripe's account, not sent)."""
        params: PaymentIntentCreateParams = {
            "amount": amount_cents,
            "currency": "brl",
            "allowed_payment_method_types": ["pix"],
            "payment_method_options": {"pix": {"expires_at": stripe_objects.unix(expires_at)}},
            "description": description,
            "metadata": dict(metadata),
        }
        intents = self._client.v1.payment_intents
        what = "the Pix PaymentIntent"
        intent = _stripe(
            what, intents.create, params, {"idempotency_key": idempotency_key}
        ).to_dict()
        if "pix" not in (intent.get("payment_method_types") or []):
            raise ProviderError(
                "Stripe did not allow Pix on the PaymentIntent: is Pix enabled "
                "on this Stripe account?"
            )
        if intent.get("status") in ("requires_payment_method", "requires_confirmation"):
            confirm: PaymentIntentConfirmParams = {"payment_method_data": {"type": "pix"}}
            options: stripe.RequestOptions = {"idempotency_key": f"{idempotency_key}:confirm"}
            confirmed = _stripe(
                f"confirming {what}", intents.confirm, intent["id"], confirm, options
            )
            intent = confirmed.to_dict()
        payment = stripe_objects.from_intent(intent)
        log.info("stripe: Pix PaymentIntent %s is %s", payment.provider_ref, payment.status)
        return payment

    def create_boleto(
        self,
        *,
        amount_cents: int,
        description: str,
        payee: Payee,
        payer: BoletoPayer,
        metadata: Mapping[str, str],
        expires_after_days: int,
        idempotency_key: str,
    ) -> ProviderPayment:
        """Create and confirm a boleto PaymentIntent (due ``expires_after_days`` calendar days
        from today, 23:59 in São Paulo)."""
        params: PaymentIntentCreateParams = {
            "amount": amount_cents,
            "currency": "brl",
            "allowed_payment_method_types": ["boleto"],
            "payment_method_options": {"boleto": {"expires_after_days": expires_after_days}},
            "description": description,
            "metadata": dict(metadata),
        }
        intents = self._client.v1.payment_intents
        what = "the boleto PaymentIntent"
        intent = _stripe(
            what, intents.create, params, {"idempotency_key": idempotency_key}
        ).to_dict()
        if "boleto" not in (intent.get("payment_method_types") or []):
            raise ProviderError(
                "Stripe did not allow boleto on the PaymentIntent: is Boleto enabled "
                "on this Stripe account?"
            )
        if intent.get("status") in ("requires_payment_method", "requires_confirmation"):
            confirm: PaymentIntentConfirmParams = {
                "payment_method_data": {
                    "type": "boleto",
                    "boleto": {"tax_id": payer.tax_id},
                    "billing_details": {
                        "name": payer.name,
                        "email": payer.email,
                        "address": {
                            "line1": payer.line1,
                            "city": payer.city,
                            "state": payer.state,
                            "postal_code": payer.postal_code,
                            "country": "BR",
                        },
                    },
                }
            }
            options: stripe.RequestOptions = {"idempotency_key": f"{idempotency_key}:confirm"}
            confirmed = _stripe(
                f"confirming {what}", intents.confirm, intent["id"], confirm, options
            )
            intent = confirmed.to_dict()
        payment = stripe_objects.from_intent(intent)
        if payment.status is P.AWAITING and not payment.boleto_line:
            raise ProviderError(f"Stripe gave no boleto number for {payment.provider_ref}")
        log.info("stripe: boleto PaymentIntent %s is %s", payment.provider_ref, payment.status)
        return payment

    def create_card_checkout(
        self,
        *,
        amount_cents: int,
        description: str,
        payee: Payee,
        metadata: Mapping[str, str],
        success_url: str,
        cancel_url: str,
        expires_at: datetime,
        idempotency_key: str,
    ) -> ProviderPayment:
        """A hosted card page (Stripe allows ``expires_at`` 30 min to 24 h from now)."""
        params: SessionCreateParams = {
            "mode": "payment",
            "allowed_payment_method_types": ["card"],
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "brl",
                        "unit_amount": amount_cents,
                        "product_data": {"name": description},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": stripe_objects.unix(expires_at),
            "metadata": dict(metadata),
            "payment_intent_data": {"metadata": dict(metadata), "description": description},
            "locale": "pt-BR",
        }
        sessions = self._client.v1.checkout.sessions
        session = _stripe(
            "the Checkout Session", sessions.create, params, {"idempotency_key": idempotency_key}
        ).to_dict()
        payment = stripe_objects.from_session(session)
        log.info("stripe: Checkout Session %s is %s", payment.provider_ref, payment.status)
        return payment

    def retrieve(self, provider_ref: str) -> ProviderPayment:
        """The current state, with the charge expanded so refunds show."""
        v1, what = self._client.v1, f"reading {provider_ref}"
        if provider_ref.startswith("pi_"):
            expand: Any = {"expand": ["latest_charge"]}
            intent = _stripe(what, v1.payment_intents.retrieve, provider_ref, expand)
            return stripe_objects.from_intent(intent.to_dict())
        if provider_ref.startswith("cs_"):
            expand = {"expand": ["payment_intent.latest_charge"]}
            session = _stripe(what, v1.checkout.sessions.retrieve, provider_ref, expand)
            return stripe_objects.from_session(session.to_dict())
        raise ValueError(f"not a Stripe PaymentIntent or Checkout Session id: {provider_ref!r}")

    def cancel(self, provider_ref: str, *, idempotency_key: str) -> ProviderPayment:
        """Cancel the PaymentIntent / expire the session; if it is too late, say what it is.

        Stripe answers 400 when the object can no longer be cancelled (it succeeded, is
        processing, or was already cancelled/expired): then the real state is returned.
        """
        v1 = self._client.v1
        options: stripe.RequestOptions = {"idempotency_key": idempotency_key}
        try:
            if provider_ref.startswith("pi_"):
                obj = v1.payment_intents.cancel(
                    provider_ref, {"cancellation_reason": "abandoned"}, options
                ).to_dict()
                return stripe_objects.from_intent(obj)
            if provider_ref.startswith("cs_"):
                obj = v1.checkout.sessions.expire(provider_ref, None, options).to_dict()
                return stripe_objects.from_session(obj)
        except stripe.InvalidRequestError as exc:
            current = self.retrieve(provider_ref)
            if current.status in (P.CREATED, P.AWAITING):  # still open: a real refusal
                raise _provider_error(f"cancelling {provider_ref}", exc) from exc
            log.info("stripe: %s could not be cancelled: it is %s", provider_ref, current.status)
            return current
        except stripe.StripeError as exc:
            raise _provider_error(f"cancelling {provider_ref}", exc) from exc
        raise ValueError(f"not a Stripe PaymentIntent or Checkout Session id: {provider_ref!r}")

    def refund(self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str) -> str:
        if amount_cents <= 0:
            raise ValueError("a refund must be of a positive amount")
        refunds = self._client.v1.refunds
        params: RefundCreateParams = {"payment_intent": payment_intent_id, "amount": amount_cents}
        options: stripe.RequestOptions = {"idempotency_key": idempotency_key}
        refund = _stripe(f"the refund of {payment_intent_id}", refunds.create, params, options)
        log.info("stripe: refund %s on %s is %s", refund.id, payment_intent_id, refund.status)
        return refund.id

    # ------------------------------------------------------------------ events

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        header = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
        if not header:
            raise InvalidSignature("no Stripe-Signature header")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidSignature("the body is not UTF-8") from None
        reasons = []
        for secret in self._secrets:
            try:
                stripe.WebhookSignature.verify_header(
                    text, header, secret, tolerance=WEBHOOK_TOLERANCE
                )
                break
            except stripe.SignatureVerificationError as exc:
                reasons.append(str(exc.user_message or exc))
        else:
            stale = next((r for r in reasons if "tolerance" in r), None)
            raise InvalidSignature(stale or reasons[-1])
        try:
            event = json.loads(text)
        except ValueError:
            raise InvalidSignature("the signed body is not JSON") from None
        if (
            not isinstance(event, dict)
            or event.get("object") != "event"
            or not (isinstance(event.get("id"), str) and isinstance(event.get("type"), str))
        ):
            raise InvalidSignature("the signed body is not a Stripe event")
        return stripe_objects.event(event)

    def undelivered_events(self, since: datetime) -> list[ProviderEvent]:
        """Events Stripe failed to deliver since ``since`` (kept 30 days), oldest first.

        No signature here: they come from the API over TLS, authenticated by our key.
        """
        events = self._client.v1.events
        params: EventListParams = {
            "delivery_success": False,
            "created": {"gte": stripe_objects.unix(since)},
            "limit": 100,
        }
        found: list[ProviderEvent] = []
        while True:
            page = _stripe("listing undelivered events", events.list, params)
            found.extend(stripe_objects.event(item.to_dict()) for item in page.data)
            if not page.has_more or not page.data:
                break
            params = {**params, "starting_after": page.data[-1].id}
        found.reverse()  # Stripe lists newest first
        log.info("stripe: %s undelivered events since %s", len(found), since.isoformat())
        return found


# ---------------------------------------------------------------------- errors


def _stripe(what: str, call: Callable[..., T], *args: Any) -> T:
    """``call(*args)``, its SDK errors turned into :class:`ProviderError`."""
    try:
        return call(*args)
    except stripe.StripeError as exc:
        raise _provider_error(what, exc) from exc


def _provider_error(what: str, exc: stripe.StripeError) -> ProviderError:
    """Our error for an SDK error: network, rate limit, 5xx, refusals, idempotency misuse."""
    message = str(exc.user_message or "")
    if isinstance(exc, stripe.IdempotencyError) or (
        isinstance(exc, stripe.InvalidRequestError) and "idempotent" in message.lower()
    ):
        return ProviderError(_IDEMPOTENCY_MESSAGE.format(what=what))
    if isinstance(exc, stripe.APIConnectionError):
        reason = "Stripe could not be reached"
    elif isinstance(exc, stripe.RateLimitError):
        reason = "Stripe rate-limited the call"
    else:
        reason = f"Stripe answered {exc.http_status or '?'} ({type(exc).__name__}"
        reason += f", code {exc.code})" if exc.code else ")"
    text = f"{reason} for {what}"
    if message:
        text += f": {message}"
    if exc.request_id:
        text += f" [request {exc.request_id}]"
    return ProviderError(text)
