"""The sandbox provider of the embedded default: nothing leaves the machine.

Pix: a real static BR Code for the creditor's Pix key (scannable, but the demo asks you not to
pay it; the "simular pagamento" control stands in for the bank). Card: a stand-in for the
hosted checkout page. Its "remote" state lives in the ``sandbox_charges`` table, so the web
server, the CLI and tests see the same charges. Not available in production (see ``init``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from portal.adapters.payments.base import (
    InvalidSignature,
    Payee,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
)
from portal.adapters.payments.sandbox_due import SandboxDueCharges
from portal.adapters.payments.sandbox_recurring import SandboxRecurring
from portal.domain.payments import PaymentStatus
from portal.domain.pix import InvalidBRCode, build_brcode


class SandboxProvider(SandboxRecurring, SandboxDueCharges):  # sandbox_recurring.py, sandbox_due.py
    name = "sandbox"

    def __init__(self, base_url: str, session_factory: object) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session_factory  # a callable returning the current SQLAlchemy session

    @property
    def session(self):  # type: ignore[no-untyped-def]
        return self._session()  # type: ignore[operator]

    def _find(self, **where: object):  # type: ignore[no-untyped-def]
        from portal.models import SandboxCharge

        return self.session.scalar(sa.select(SandboxCharge).filter_by(**where))

    def _view(self, charge) -> ProviderPayment:  # type: ignore[no-untyped-def]
        received, charges = self._due_received(charge)
        return ProviderPayment(
            provider_ref=charge.ref,
            status=PaymentStatus(charge.status),
            amount_cents=charge.amount_cents,
            amount_received_cents=received,
            payment_intent_id=charge.ref,
            pix_payload=charge.pix_payload,
            expires_at=charge.expires_at,
            checkout_url=f"{self.base_url}/sandbox/checkout/{charge.ref}"
            if charge.kind == "card"
            else None,
            refunded_cents=charge.refunded_cents,
            metadata=dict(charge.details.get("meta", {})),
            charges_cents=charges,
        )

    def _create(
        self,
        kind: str,
        *,
        amount_cents: int,
        idempotency_key: str,
        expires_at: datetime,
        metadata: Mapping[str, str],
        **extra: object,
    ) -> ProviderPayment:
        from portal.models import SandboxCharge

        existing = self._find(idempotency_key=idempotency_key)
        if existing is not None:  # like Stripe: the same key gives back the same object
            if existing.amount_cents != amount_cents or existing.kind != kind:
                raise ProviderError("idempotency key reused with other parameters")
            return self._view(existing)
        charge = SandboxCharge(
            ref=f"sbx_{kind}_{secrets.token_hex(8)}",
            idempotency_key=idempotency_key,
            kind=kind,
            status=PaymentStatus.AWAITING.value,
            amount_cents=amount_cents,
            expires_at=expires_at,
            details={"meta": dict(metadata)},
            **extra,
        )
        self.session.add(charge)
        self.session.flush()
        return self._view(charge)

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
        if not payee.pix_key:
            raise ProviderError("the creditor has no Pix key")
        txid = "".join(ch for ch in idempotency_key if ch.isalnum())[-25:] or "***"
        try:
            payload = build_brcode(
                key=payee.pix_key,
                merchant_name=payee.name,
                merchant_city=payee.city,
                amount_cents=amount_cents,
                txid=txid,
            )
        except InvalidBRCode as exc:
            raise ProviderError(f"cannot build a Pix code: {exc}") from exc
        return self._create(
            "pix",
            amount_cents=amount_cents,
            idempotency_key=idempotency_key,
            expires_at=expires_at,
            metadata=metadata,
            pix_payload=payload,
        )

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
        return self._create(
            "card",
            amount_cents=amount_cents,
            idempotency_key=idempotency_key,
            expires_at=expires_at,
            metadata=metadata,
            success_url=success_url,
            cancel_url=cancel_url,
        )

    def retrieve(self, provider_ref: str) -> ProviderPayment:
        charge = self._find(ref=provider_ref)
        if charge is None:
            raise ProviderError("unknown sandbox charge")
        return self._view(charge)

    def cancel(self, provider_ref: str, *, idempotency_key: str) -> ProviderPayment:
        charge = self._find(ref=provider_ref)
        if charge is None:
            raise ProviderError("unknown sandbox charge")
        if charge.status in (PaymentStatus.AWAITING.value, PaymentStatus.CREATED.value):
            charge.status = PaymentStatus.CANCELED.value
        return self._view(charge)

    def refund(self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str) -> str:
        charge = self._find(ref=payment_intent_id)
        if charge is None or charge.status not in ("succeeded", "refunded"):
            raise ProviderError("only a paid sandbox charge can be refunded")
        done = set(charge.details.get("refunds", []))
        if idempotency_key not in done:
            charge.refunded_cents = min(charge.amount_cents, charge.refunded_cents + amount_cents)
            charge.details = {**charge.details, "refunds": [*done, idempotency_key]}
            if charge.refunded_cents >= charge.amount_cents:
                charge.status = PaymentStatus.REFUNDED.value
        return f"sbx_re_{charge.ref}_{len(done) + 1}"

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        raise InvalidSignature("the sandbox sends no webhooks")

    def undelivered_events(self, since: datetime) -> list[ProviderEvent]:
        return []

    # --- the stand-ins for the payer's bank and the hosted card page ---------------------

    def simulate_success(self, provider_ref: str, now: datetime) -> ProviderEvent:
        """Mark the charge paid, as the payer's bank would, and describe it as an event."""
        charge = self._find(ref=provider_ref)
        if charge is None:
            raise ProviderError("unknown sandbox charge")
        self._settle_due(charge, now)  # a cobv: today's amount, or ProviderError past its validity
        charge.status = PaymentStatus.SUCCEEDED.value
        self.session.flush()
        return ProviderEvent(
            event_id=f"sbx_evt_{secrets.token_hex(8)}",
            type="sandbox.payment_succeeded",
            created=now,
            payment=self._view(charge),
        )
