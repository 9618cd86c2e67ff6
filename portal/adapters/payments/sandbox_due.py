"""The sandbox's Pix charges with a due date (a stand-in for the API Pix ``cobv``).

Mixed into :class:`~portal.adapters.payments.sandbox.SandboxProvider`, so the embedded default
offers :class:`~portal.adapters.payments.base.DueDateCharges` like ``pix_api`` does:

* ``create_pix_due`` makes a ``cobv`` charge (``sandbox_charges.kind``) whose BR Code is
  dynamic (built by ``portal.domain.pix``): its location is the sandbox bank's page for the
  charge, and its amount field carries the original amount (what is due up to the due date);
  the terms are kept in ``details["due"]``. It is payable until the end of its last payable day
  in Brasília (``portal.domain.cobv.last_payable_day``, holidays per ANBIMA).
* The sandbox bank (``portal/demo/sandbox``) asks, like the payer's bank, for
  ``portal.domain.cobv.cobv_amount`` on the day of payment (:meth:`due_quote`); paying records
  what was received for the charge and the multa and juros on top (``details["paid"]``), which
  :meth:`_due_received` reports as ``amount_received_cents`` and ``charges_cents``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from portal.adapters.payments.base import DueTerms, Payee, ProviderError, ProviderPayment
from portal.domain.calendar import anbima_calendar
from portal.domain.cobv import CobvAmount, CobvNotPayable, CobvTerms, cobv_amount, last_payable_day
from portal.domain.pix import InvalidBRCode, build_brcode, encode_brcode, parse_brcode

COBV = "cobv"
BRASILIA = ZoneInfo("America/Sao_Paulo")  # as pix_api.mapping (adapters do not import core)


def cobv_terms(charge: Any) -> CobvTerms:
    """The terms a sandbox ``cobv`` was created with."""
    due = charge.details["due"]
    return CobvTerms(
        original_cents=charge.amount_cents,
        due_date=date.fromisoformat(due["due_date"]),
        days_valid_after_due=int(due["days_valid_after_due"]),
        multa_pct=Decimal(due["multa_pct"]),
        juros_monthly_pct=Decimal(due["juros_monthly_pct"]),
        discount_cents=int(due.get("discount_cents", 0)),
    )


def _host(base_url: str) -> str:
    return base_url.split("://", 1)[-1]


def _dynamic_code(location: str, payee: Payee, amount_cents: int) -> str:
    """A dynamic BR Code for the charge's location: the project's builder writes the payee's
    name and city as every code of ours has them, then the key gives way to the location."""
    static = parse_brcode(
        build_brcode(
            key=str(payee.pix_key),
            merchant_name=payee.name,
            merchant_city=payee.city,
            amount_cents=amount_cents,
        )
    )
    return encode_brcode(replace(static, key=None, url=location, point_of_initiation="12"))


class _Sandbox(Protocol):
    """What the mixin uses of :class:`~portal.adapters.payments.sandbox.SandboxProvider`."""

    base_url: str

    def _create(
        self,
        kind: str,
        *,
        amount_cents: int,
        idempotency_key: str,
        expires_at: datetime,
        metadata: Mapping[str, str],
        **extra: object,
    ) -> ProviderPayment: ...

    def _find(self, **where: object) -> Any: ...

    def retrieve(self, provider_ref: str) -> ProviderPayment: ...


class SandboxDueCharges:
    """``create_pix_due`` and the bank's view of a ``cobv`` for the sandbox provider."""

    def create_pix_due(
        self: _Sandbox,
        *,
        amount_cents: int,
        description: str,
        payee: Payee,
        metadata: Mapping[str, str],
        terms: DueTerms,
        idempotency_key: str,
    ) -> ProviderPayment:
        if not payee.pix_key:
            raise ProviderError("the creditor has no Pix key")
        cobv = CobvTerms(
            original_cents=amount_cents,
            due_date=terms.due_date,
            days_valid_after_due=terms.days_valid_after_due,
            multa_pct=terms.multa_pct,
            juros_monthly_pct=terms.juros_monthly_pct,
            discount_cents=terms.discount_cents,
        )
        last_day = last_payable_day(cobv, anbima_calendar())
        created = self._create(
            COBV,
            amount_cents=amount_cents,
            idempotency_key=idempotency_key,
            expires_at=datetime.combine(last_day, time(23, 59, 59), BRASILIA).astimezone(UTC),
            metadata=metadata,
        )
        charge = self._find(ref=created.provider_ref)
        if charge.pix_payload is None:  # a new charge: its terms, a code naming its bank page
            charge.details = {
                **charge.details,
                "due": {
                    "due_date": terms.due_date.isoformat(),
                    "days_valid_after_due": terms.days_valid_after_due,
                    "multa_pct": str(terms.multa_pct),
                    "juros_monthly_pct": str(terms.juros_monthly_pct),
                    "discount_cents": terms.discount_cents,
                },
            }
            try:
                charge.pix_payload = _dynamic_code(
                    f"{_host(self.base_url)}/sandbox/banco/{charge.ref}", payee, amount_cents
                )
            except InvalidBRCode as exc:
                raise ProviderError(f"cannot build a Pix code: {exc}") from exc
        return self.retrieve(charge.ref)

    # --- the payer's bank ---------------------------------------------------------------

    def due_quote(self: _Sandbox, provider_ref: str, on: date) -> CobvAmount:
        """What the payer's bank asks for a ``cobv`` on ``on``; ``CobvNotPayable`` past its
        last payable day, ``ProviderError`` for a charge that is not a ``cobv``."""
        charge = self._find(ref=provider_ref)
        if charge is None or charge.kind != COBV:
            raise ProviderError("not a sandbox charge with a due date")
        return cobv_amount(cobv_terms(charge), on, anbima_calendar())

    def _settle_due(self, charge: Any, now: datetime) -> None:
        """Before a ``cobv`` is marked paid: what the payer's bank took, on today's terms."""
        if charge.kind != COBV or "paid" in charge.details:
            return
        try:
            amount = cobv_amount(
                cobv_terms(charge), now.astimezone(BRASILIA).date(), anbima_calendar()
            )
        except CobvNotPayable as exc:
            raise ProviderError(f"the charge can no longer be paid: {exc}") from exc
        charge.details = {
            **charge.details,
            "paid": {
                "on": now.astimezone(BRASILIA).date().isoformat(),
                "received_cents": amount.original_cents - amount.discount_cents,
                "discount_cents": amount.discount_cents,
                "multa_cents": amount.multa_cents,
                "juros_cents": amount.juros_cents,
            },
        }

    @staticmethod
    def _due_received(charge: Any) -> tuple[int | None, int]:
        """(amount received for the charge, multa + juros on top) of a paid charge."""
        if charge.status not in ("succeeded", "refunded"):
            return None, 0
        paid = (charge.details or {}).get("paid")
        if paid is None:
            return charge.amount_cents, 0
        return int(paid["received_cents"]), int(paid["multa_cents"]) + int(paid["juros_cents"])
