"""Pix Automático over the API Pix 2.9.0 (``RecurringCharges``), mixed into the provider.

* ``create_recurrence``: ``POST /locrec`` (a location for the recurrence), ``POST /rec`` with
  it (``vinculo``, ``calendario`` MENSAL from the first to the last due date,
  ``politicaRetentativa``), then ``GET /rec/{idRec}``: its ``dadosQR.pixCopiaECola`` is the
  Jornada 2 QR code the payer scans (checked with our parser: field 80 must be there).
* ``cancel_recurrence``: ``PATCH /rec/{idRec}`` with ``status: CANCELADA``.
* ``create_recurring_charge``: ``PUT /cobr/{txid}`` (``idRec``, ``calendario.dataDeVencimento``,
  ``valor.original``, ``ajusteDiaUtil``, ``recebedor`` the company's account at the PSP:
  ``PIX_API_RECEIVER_ACCOUNT``); ``txid`` ``recr`` + 31 hex digits of the idempotency key.
* ``retrieve_recurring_charge``: ``GET /cobr/{txid}`` (status, ``tentativas``, ``pix``);
  ``retry_recurring_charge``: ``POST /cobr/{txid}/retentativa/{data}``; a charge is cancelled
  with ``PATCH /cobr/{txid}`` ``status: CANCELADA``.
* Notifications: ``{"recs": [...]}`` (webhookrec) and ``{"cobsr": [...]}`` (webhookcobr),
  read by :func:`recurring_notification`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from portal.adapters.payments.base import (
    Payee,
    ProviderError,
    ProviderPayment,
    ProviderRecurrence,
    ProviderRecurringCharge,
    RecurrenceTerms,
)
from portal.adapters.payments.pix_api.client import PixApiClient
from portal.adapters.payments.pix_api.mapping import cents, money
from portal.domain.payments import PaymentStatus
from portal.domain.pix import InvalidBRCode, parse_brcode
from portal.domain.pix_automatico import SPEC_CANCELLER, SPEC_STATUS, ChargeOutcome, charge_outcome

COBR_PREFIX = "recr"
_PAYMENT_STATUS = {
    ChargeOutcome.COLLECTED: PaymentStatus.SUCCEEDED,
    ChargeOutcome.ENDED: PaymentStatus.CANCELED,
    ChargeOutcome.FAILED: PaymentStatus.AWAITING,
    ChargeOutcome.PENDING: PaymentStatus.AWAITING,
}


def cobr_txid(idempotency_key: str) -> str:
    return COBR_PREFIX + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:31]


def is_cobr(txid: str) -> bool:
    return txid.startswith(COBR_PREFIX) and len(txid) == 35


def rec_body(terms: RecurrenceTerms, location_id: int | None) -> dict[str, Any]:
    """``RecSolicitada``."""
    payer = terms.payer
    document = "cpf" if len(payer.document) == 11 else "cnpj"
    body: dict[str, Any] = {
        "vinculo": {
            "contrato": terms.contract[:35],
            "objeto": terms.purpose[:35],
            "devedor": {document: payer.document, "nome": payer.name[:140]},
        },
        "calendario": {
            "dataInicial": terms.first_due.isoformat(),
            "dataFinal": terms.last_due.isoformat(),
            "periodicidade": "MENSAL",
        },
        "politicaRetentativa": terms.retry_policy,
    }
    if terms.max_amount_cents:
        # The floor a payer's own maximum may not go under: the largest installment.
        body["valor"] = {"valorMinimoRecebedor": money(terms.max_amount_cents)}
    if location_id is not None:
        body["loc"] = location_id
    return body


def recurrence_from(answer: Mapping[str, Any]) -> ProviderRecurrence:
    status = SPEC_STATUS.get(str(answer.get("status")))
    ref = answer.get("idRec")
    if status is None or not isinstance(ref, str):
        raise ProviderError(
            f"the Pix API answered a recurrence with status {answer.get('status')!r}"
        )
    ending = answer.get("encerramento") or {}
    cancelled = ending.get("cancelamento") or {}
    rejected = ending.get("rejeicao") or {}
    who = SPEC_CANCELLER.get(str(cancelled.get("solicitante")))
    payload = (answer.get("dadosQR") or {}).get("pixCopiaECola")
    return ProviderRecurrence(
        provider_ref=ref,
        status=status.value,
        pix_payload=payload if isinstance(payload, str) else None,
        cancelled_by=who.value if who else None,
        end_code=cancelled.get("codigo") or rejected.get("codigo"),
    )


def charge_from(answer: Mapping[str, Any]) -> ProviderRecurringCharge:
    txid = answer.get("txid")
    if not isinstance(txid, str):
        raise ProviderError("the Pix API answered a cobr without its txid")
    attempts = [a for a in answer.get("tentativas") or [] if isinstance(a, Mapping)]
    statuses = tuple(str(a.get("status")) for a in attempts)
    outcome = charge_outcome(str(answer.get("status")), statuses)
    received = [p for p in answer.get("pix") or [] if isinstance(p, Mapping)]
    failed = [a for a in attempts if a.get("status") in ("REJEITADA", "EXPIRADA", "CANCELADA")]
    rejection = (failed[-1].get("rejeicao") or {}).get("codigo") if failed else None
    ending = (answer.get("encerramento") or {}).get("rejeicao") or {}
    paid = next((a for a in attempts if a.get("status") == "PAGA"), None)
    return ProviderRecurringCharge(
        txid=txid,
        outcome=outcome.value,
        amount_cents=cents((answer.get("valor") or {}).get("original")),
        attempts=statuses,
        rejection=rejection or ending.get("codigo"),
        amount_received_cents=sum(cents(p.get("valor")) for p in received)
        if received
        else (cents((answer.get("valor") or {}).get("original")) if paid else None),
        end_to_end_id=str(received[0]["endToEndId"])
        if received
        else (str(paid.get("endToEndId")) if paid else None),
    )


def as_payment(charge: ProviderRecurringCharge) -> ProviderPayment:
    """A ``cobr`` as the payment attempt that stands for it (reconciliation, expiry)."""
    status = _PAYMENT_STATUS[ChargeOutcome(charge.outcome)]
    return ProviderPayment(
        provider_ref=charge.txid,
        status=status,
        amount_cents=charge.amount_cents,
        amount_received_cents=charge.amount_received_cents,
        payment_intent_id=charge.end_to_end_id,
        metadata={"kind": "cobr"},
    )


def recurring_notification(body: object) -> tuple[list[ProviderRecurrence], list[str]] | None:
    """A webhookrec (``recs``) or webhookcobr (``cobsr``) body: the recurrences it reports
    and the txids of the charges to read again; ``None`` for anything else."""
    if not isinstance(body, Mapping) or not ({"recs", "cobsr"} & set(body)):
        return None
    recs = [recurrence_from(r) for r in body.get("recs") or [] if isinstance(r, Mapping)]
    txids = [
        str(c["txid"]) for c in body.get("cobsr") or [] if isinstance(c, Mapping) and "txid" in c
    ]
    return recs, txids


class PixApiRecurring:
    """``RecurringCharges`` for :class:`~portal.adapters.payments.pix_api.PixApiProvider`."""

    client: PixApiClient
    receiver_account: Mapping[str, str] | None = None

    def create_recurrence(
        self, *, terms: RecurrenceTerms, payee: Payee, idempotency_key: str
    ) -> ProviderRecurrence:
        location = self.client.call("POST", "/locrec", "creating a recurrence location")
        location_id = location.get("id")
        created = self.client.call(
            "POST",
            "/rec",
            "creating a recurrence",
            json=rec_body(terms, location_id if isinstance(location_id, int) else None),
        )
        ref = recurrence_from(created).provider_ref
        found = recurrence_from(self.client.call("GET", f"/rec/{ref}", "reading a recurrence"))
        payload = found.pix_payload
        if payload is not None:
            try:
                if not parse_brcode(payload).is_recurring:
                    raise ProviderError("the recurrence's QR code carries no recurrence")
            except InvalidBRCode as exc:
                raise ProviderError(
                    f"the Pix API returned an invalid BR Code: {exc.reason}"
                ) from exc
        return found

    def retrieve_recurrence(self, provider_ref: str) -> ProviderRecurrence:
        return recurrence_from(
            self.client.call("GET", f"/rec/{provider_ref}", "reading a recurrence")
        )

    def cancel_recurrence(self, provider_ref: str) -> ProviderRecurrence:
        answer = self.client.call(
            "PATCH", f"/rec/{provider_ref}", "cancelling a recurrence", json={"status": "CANCELADA"}
        )
        return recurrence_from(answer)

    def create_recurring_charge(
        self,
        *,
        recurrence_ref: str,
        amount_cents: int,
        due_date: date,
        description: str,
        idempotency_key: str,
    ) -> ProviderRecurringCharge:
        if not self.receiver_account:
            raise ProviderError("PIX_API_RECEIVER_ACCOUNT is not set: a cobr needs the account")
        txid = cobr_txid(idempotency_key)
        body = {
            "idRec": recurrence_ref,
            "infoAdicional": description[:140],
            "calendario": {"dataDeVencimento": due_date.isoformat()},
            "valor": {"original": money(amount_cents)},
            "ajusteDiaUtil": True,
            "recebedor": dict(self.receiver_account),
        }
        answer = self.client.call("PUT", f"/cobr/{txid}", "creating a cobr", json=body)
        return charge_from(answer)

    def retrieve_recurring_charge(self, txid: str) -> ProviderRecurringCharge:
        return charge_from(self.client.call("GET", f"/cobr/{txid}", "reading a cobr"))

    def retry_recurring_charge(self, txid: str, on: date) -> ProviderRecurringCharge:
        answer = self.client.call(
            "POST", f"/cobr/{txid}/retentativa/{on.isoformat()}", "asking for a cobr retry"
        )
        return charge_from(answer)

    def cancel_recurring_charge(self, txid: str) -> ProviderRecurringCharge:
        current = self.retrieve_recurring_charge(txid)
        if current.outcome not in (ChargeOutcome.PENDING.value, ChargeOutcome.FAILED.value):
            return current
        answer = self.client.call(
            "PATCH", f"/cobr/{txid}", "cancelling a cobr", json={"status": "CANCELADA"}
        )
        return charge_from(answer)
