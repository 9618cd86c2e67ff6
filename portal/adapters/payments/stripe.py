"""Stripe: Pix through a server-confirmed PaymentIntent, card through a hosted Checkout Session.

Built on ``stripe.StripeClient`` (stripe 16.1.0, API version ``2026-10-28.endive``):

* **Pix**: create a PaymentIntent, then confirm it on the server; the BR Code is
  ``next_action.pix_display_qr_code.data`` and we render the QR ourselves. The provider ref
  is the PaymentIntent id (``pi_…``).
* **Card**: a Checkout Session (the card never touches us: SAQ A). The provider ref is the
  session id (``cs_…``); its PaymentIntent only exists once the payer completes the page.
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
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import stripe
from stripe.params import (
    EventListParams,
    PaymentIntentConfirmParams,
    PaymentIntentCreateParams,
    RefundCreateParams,
)
from stripe.params.checkout import SessionCreateParams

from portal.adapters.payments.base import (
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

_INTENT_STATUS = {
    "requires_confirmation": P.CREATED,
    "requires_action": P.AWAITING,
    "processing": P.PROCESSING,
    "requires_capture": P.PROCESSING,  # authorised, not captured (we never ask for this)
    "succeeded": P.SUCCEEDED,
    "canceled": P.CANCELED,
}
_INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.processing",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated",
    }
)
_SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
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
            "payment_method_options": {"pix": {"expires_at": _unix(expires_at)}},
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
        payment = _from_intent(intent)
        log.info("stripe: Pix PaymentIntent %s is %s", payment.provider_ref, payment.status)
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
            "expires_at": _unix(expires_at),
            "metadata": dict(metadata),
            "payment_intent_data": {"metadata": dict(metadata), "description": description},
            "locale": "pt-BR",
        }
        sessions = self._client.v1.checkout.sessions
        session = _stripe(
            "the Checkout Session", sessions.create, params, {"idempotency_key": idempotency_key}
        ).to_dict()
        payment = _from_session(session)
        log.info("stripe: Checkout Session %s is %s", payment.provider_ref, payment.status)
        return payment

    def retrieve(self, provider_ref: str) -> ProviderPayment:
        """The current state, with the charge expanded so refunds show."""
        v1, what = self._client.v1, f"reading {provider_ref}"
        if provider_ref.startswith("pi_"):
            expand: Any = {"expand": ["latest_charge"]}
            intent = _stripe(what, v1.payment_intents.retrieve, provider_ref, expand)
            return _from_intent(intent.to_dict())
        if provider_ref.startswith("cs_"):
            expand = {"expand": ["payment_intent.latest_charge"]}
            session = _stripe(what, v1.checkout.sessions.retrieve, provider_ref, expand)
            return _from_session(session.to_dict())
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
                return _from_intent(obj)
            if provider_ref.startswith("cs_"):
                obj = v1.checkout.sessions.expire(provider_ref, None, options).to_dict()
                return _from_session(obj)
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
        return _event(event)

    def undelivered_events(self, since: datetime) -> list[ProviderEvent]:
        """Events Stripe failed to deliver since ``since`` (kept 30 days), oldest first.

        No signature here: they come from the API over TLS, authenticated by our key.
        """
        events = self._client.v1.events
        params: EventListParams = {
            "delivery_success": False,
            "created": {"gte": _unix(since)},
            "limit": 100,
        }
        found: list[ProviderEvent] = []
        while True:
            page = _stripe("listing undelivered events", events.list, params)
            found.extend(_event(item.to_dict()) for item in page.data)
            if not page.has_more or not page.data:
                break
            params = {**params, "starting_after": page.data[-1].id}
        found.reverse()  # Stripe lists newest first
        log.info("stripe: %s undelivered events since %s", len(found), since.isoformat())
        return found


# ---------------------------------------------------------------------- mapping


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("timestamps sent to Stripe must be timezone-aware")
    return int(moment.timestamp())


def _when(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def _metadata(obj: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (obj.get("metadata") or {}).items()}


def _refunded(charge: Any) -> int:
    return int(charge.get("amount_refunded") or 0) if isinstance(charge, Mapping) else 0


def _from_intent(intent: Mapping[str, Any]) -> ProviderPayment:
    """A PaymentIntent (``latest_charge`` may be expanded: then refunds count)."""
    raw_status = intent.get("status")
    if raw_status == "requires_payment_method":
        status = P.FAILED if intent.get("last_payment_error") else P.CREATED
    elif raw_status in _INTENT_STATUS:
        status = _INTENT_STATUS[raw_status]
    else:
        raise ProviderError(f"unknown PaymentIntent status {raw_status!r}")
    amount = int(intent["amount"])
    refunded = _refunded(intent.get("latest_charge"))
    if status is P.SUCCEEDED and refunded >= amount:
        status = P.REFUNDED
    action = intent.get("next_action") or {}
    qr = (action.get("pix_display_qr_code") or {}) if isinstance(action, Mapping) else {}
    pix_options = (intent.get("payment_method_options") or {}).get("pix") or {}
    return ProviderPayment(
        provider_ref=intent["id"],
        status=status,
        amount_cents=amount,
        currency=str(intent.get("currency") or "brl"),
        amount_received_cents=int(intent.get("amount_received") or 0),
        payment_intent_id=intent["id"],
        pix_payload=qr.get("data"),
        expires_at=_when(qr.get("expires_at")) or _when(pix_options.get("expires_at")),
        refunded_cents=refunded,
        metadata=_metadata(intent),
    )


def _from_session(session: Mapping[str, Any]) -> ProviderPayment:
    """A Checkout Session (``payment_intent`` may be an id, an expanded object or null).

    A session has no ``amount_received``: once ``payment_status`` is ``paid`` it is the
    expanded PaymentIntent's ``amount_received`` when we have it, else ``amount_total``.
    """
    raw_status, paid = session.get("status"), session.get("payment_status")
    if raw_status == "open":
        status = P.AWAITING
    elif raw_status == "complete":
        status = P.SUCCEEDED if paid in ("paid", "no_payment_required") else P.PROCESSING
    elif raw_status == "expired":
        status = P.EXPIRED
    else:
        raise ProviderError(f"unknown Checkout Session status {raw_status!r}")
    amount = int(session.get("amount_total") or 0)
    intent = session.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, Mapping) else intent
    received = None
    refunded = 0
    if status is P.SUCCEEDED:
        received = amount
        if isinstance(intent, Mapping):
            received = int(intent.get("amount_received") or amount)
            refunded = _refunded(intent.get("latest_charge"))
            if refunded >= amount:
                status = P.REFUNDED
    return ProviderPayment(
        provider_ref=session["id"],
        status=status,
        amount_cents=amount,
        currency=str(session.get("currency") or "brl"),
        amount_received_cents=received,
        payment_intent_id=intent_id,
        expires_at=_when(session.get("expires_at")),
        checkout_url=session.get("url"),
        refunded_cents=refunded,
        metadata=_metadata(session),
    )


def _from_charge(charge: Mapping[str, Any]) -> ProviderPayment | None:
    """``charge.refunded``: the charge's PaymentIntent, refunded only when fully refunded.

    ``provider_ref`` is the PaymentIntent id: for a card attempt (ref ``cs_…``) match on
    ``payment_intent_id``.
    """
    intent_id = charge.get("payment_intent")
    if not isinstance(intent_id, str):
        return None
    amount = int(charge["amount"])
    refunded = int(charge.get("amount_refunded") or 0)
    return ProviderPayment(
        provider_ref=intent_id,
        status=P.REFUNDED if refunded >= amount else P.SUCCEEDED,
        amount_cents=amount,
        currency=str(charge.get("currency") or "brl"),
        amount_received_cents=int(charge.get("amount_captured") or amount),
        payment_intent_id=intent_id,
        refunded_cents=refunded,
        metadata=_metadata(charge),
    )


def _event(event: Mapping[str, Any]) -> ProviderEvent:
    type_ = str(event["type"])
    obj = (event.get("data") or {}).get("object") or {}
    payment: ProviderPayment | None = None
    try:
        if type_ in _INTENT_EVENTS:
            payment = _from_intent(obj)
        elif type_ in _SESSION_EVENTS:
            payment = _from_session(obj)
            if type_ == "checkout.session.async_payment_failed":
                payment = replace(payment, status=P.FAILED, amount_received_cents=None)
        elif type_ == "charge.refunded":
            payment = _from_charge(obj)
    except (ProviderError, KeyError, TypeError, ValueError):
        log.warning(
            "stripe: event %s (%s) has an object we cannot read; ignored", event.get("id"), type_
        )
        payment = None
    return ProviderEvent(
        event_id=str(event["id"]),
        type=type_,
        created=_when(event.get("created")) or datetime.now(UTC),
        payment=payment,
        raw=event,
    )


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
