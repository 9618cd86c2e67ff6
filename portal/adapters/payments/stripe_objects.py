"""Stripe objects (PaymentIntents, Checkout Sessions, Charges, Events) read into our
provider-neutral :class:`ProviderPayment` and :class:`ProviderEvent`. Amounts and states come
only from the signed or fetched object; metadata carries our ids only."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from portal.adapters.payments.base import ProviderError, ProviderEvent, ProviderPayment
from portal.domain.payments import PaymentStatus

log = logging.getLogger(__name__)
P = PaymentStatus

INTENT_STATUS = {
    "requires_confirmation": P.CREATED,
    "requires_action": P.AWAITING,
    "processing": P.PROCESSING,
    "requires_capture": P.PROCESSING,  # authorised, not captured (we never ask for this)
    "succeeded": P.SUCCEEDED,
    "canceled": P.CANCELED,
}
INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.processing",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated",
    }
)
SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)


def unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("timestamps sent to Stripe must be timezone-aware")
    return int(moment.timestamp())


def when(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def metadata(obj: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (obj.get("metadata") or {}).items()}


def refunded_cents(charge: Any) -> int:
    return int(charge.get("amount_refunded") or 0) if isinstance(charge, Mapping) else 0


def from_intent(intent: Mapping[str, Any]) -> ProviderPayment:
    """A PaymentIntent (``latest_charge`` may be expanded: then refunds count)."""
    raw_status = intent.get("status")
    if raw_status == "requires_payment_method":
        status = P.FAILED if intent.get("last_payment_error") else P.CREATED
    elif raw_status in INTENT_STATUS:
        status = INTENT_STATUS[raw_status]
    else:
        raise ProviderError(f"unknown PaymentIntent status {raw_status!r}")
    amount = int(intent["amount"])
    refunded = refunded_cents(intent.get("latest_charge"))
    if status is P.SUCCEEDED and refunded >= amount:
        status = P.REFUNDED
    action = intent.get("next_action") or {}
    qr = (action.get("pix_display_qr_code") or {}) if isinstance(action, Mapping) else {}
    boleto = (action.get("boleto_display_details") or {}) if isinstance(action, Mapping) else {}
    pix_options = (intent.get("payment_method_options") or {}).get("pix") or {}
    return ProviderPayment(
        provider_ref=intent["id"],
        status=status,
        amount_cents=amount,
        currency=str(intent.get("currency") or "brl"),
        amount_received_cents=int(intent.get("amount_received") or 0),
        payment_intent_id=intent["id"],
        pix_payload=qr.get("data"),
        expires_at=when(qr.get("expires_at"))
        or when(pix_options.get("expires_at"))
        or when(boleto.get("expires_at")),
        refunded_cents=refunded,
        metadata=metadata(intent),
        boleto_line=boleto.get("number"),
        voucher_url=boleto.get("hosted_voucher_url"),
        voucher_pdf_url=boleto.get("pdf"),
    )


def from_session(session: Mapping[str, Any]) -> ProviderPayment:
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
            refunded = refunded_cents(intent.get("latest_charge"))
            if refunded >= amount:
                status = P.REFUNDED
    return ProviderPayment(
        provider_ref=session["id"],
        status=status,
        amount_cents=amount,
        currency=str(session.get("currency") or "brl"),
        amount_received_cents=received,
        payment_intent_id=intent_id,
        expires_at=when(session.get("expires_at")),
        checkout_url=session.get("url"),
        refunded_cents=refunded,
        metadata=metadata(session),
    )


def from_charge(charge: Mapping[str, Any]) -> ProviderPayment | None:
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
        metadata=metadata(charge),
    )


def event(event: Mapping[str, Any]) -> ProviderEvent:
    type_ = str(event["type"])
    obj = (event.get("data") or {}).get("object") or {}
    payment: ProviderPayment | None = None
    try:
        if type_ in INTENT_EVENTS:
            payment = from_intent(obj)
        elif type_ in SESSION_EVENTS:
            payment = from_session(obj)
            if type_ == "checkout.session.async_payment_failed":
                payment = replace(payment, status=P.FAILED, amount_received_cents=None)
        elif type_ == "charge.refunded":
            payment = from_charge(obj)
    except (ProviderError, KeyError, TypeError, ValueError):
        log.warning(
            "stripe: event %s (%s) has an object we cannot read; ignored", event.get("id"), type_
        )
        payment = None
    return ProviderEvent(
        event_id=str(event["id"]),
        type=type_,
        created=when(event.get("created")) or datetime.now(UTC),
        payment=payment,
        raw=event,
    )
