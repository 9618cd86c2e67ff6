"""The ``pix_api`` payment provider: any bank's or payment institution's standard API Pix.

* ``create_pix``: ``PUT /cob/{txid}`` (immediate, à vista and early payments);
  ``create_pix_due``: ``PUT /cobv/{txid}`` (installments: due date, multa, juros, desconto;
  the payer's bank adds the charges itself when it is paid late). The ``txid`` comes from our
  idempotency key (``mapping.txid_for``): a retried create asks for the same charge, and if the
  PSP refuses a second PUT of it the charge is read back instead.
* The BR Code shown is the charge's ``pixCopiaECola``, checked with our own parser first.
* ``cancel``: ``PATCH`` with ``status: REMOVIDA_PELO_USUARIO_RECEBEDOR``; if the charge was
  paid meanwhile, the paid state comes back.
* ``refund``: ``PUT /pix/{e2eid}/devolucao/{id}`` (``id`` from the idempotency key).
* ``parse_webhook_batch``: the ``{"pix": [...]}`` notification (authenticated before it gets here:
  mTLS at the proxy plus a path secret or an IP allow-list, see ``portal/callbacks/pix.py``).
* ``undelivered_events``: ``GET /pix`` by period, every page (reconciliation).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from portal.adapters.payments.base import (
    DueTerms,
    InvalidSignature,
    Payee,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
)
from portal.adapters.payments.pix_api import mapping
from portal.adapters.payments.pix_api.client import PixApiClient, PixApiError
from portal.adapters.payments.pix_api.recurring import PixApiRecurring, as_payment, is_cobr
from portal.domain.payments import PaymentStatus

log = logging.getLogger(__name__)
P = PaymentStatus
PAGE_SIZE = 100


class PixApiProvider(PixApiRecurring):
    """:class:`~portal.adapters.payments.base.PaymentProvider` over the API Pix (and
    ``RecurringCharges``: Pix Automático, ``recurring.py``)."""

    name = "pix_api"

    def __init__(
        self,
        client: PixApiClient,
        *,
        clock: Callable[[], datetime] | None = None,
        receiver_account: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self._clock = clock or (lambda: datetime.now(UTC))
        self.receiver_account = receiver_account

    # ------------------------------------------------------------------ charges

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
        txid = mapping.txid_for(idempotency_key, "cob")
        seconds = int((expires_at - self._clock()).total_seconds())
        body = mapping.cob_body(
            amount_cents=amount_cents,
            payee=payee,
            description=description,
            expires_in_seconds=seconds,
        )
        return self._create("cob", txid, body, amount_cents)

    def create_pix_due(
        self,
        *,
        amount_cents: int,
        description: str,
        payee: Payee,
        metadata: Mapping[str, str],
        terms: DueTerms,
        idempotency_key: str,
    ) -> ProviderPayment:
        txid = mapping.txid_for(idempotency_key, "cobv")
        body = mapping.cobv_body(
            amount_cents=amount_cents, payee=payee, description=description, terms=terms
        )
        return self._create("cobv", txid, body, amount_cents)

    def _create(self, kind: str, txid: str, body: dict[str, Any], amount: int) -> ProviderPayment:
        what = f"creating {kind} {txid}"
        try:
            answer = self.client.call("PUT", f"/{kind}/{txid}", what, json=body)
        except PixApiError as exc:
            if exc.status not in (400, 409, 422):
                raise
            answer = self._existing(kind, txid, amount, exc)
        # Whatever the answer says about its status or expiry, a new charge is shown only with
        # a BR Code our parser accepts.
        mapping.checked_brcode(
            answer.get("pixCopiaECola"), amount_cents=amount, location=mapping.location(answer)
        )
        payment = mapping.payment_from_charge(answer, kind=kind, now=self._clock())
        if payment.status != P.AWAITING:
            raise ProviderError(f"the Pix API created {kind} {txid} as {payment.status}")
        log.info("pix_api: %s %s is %s", kind, payment.provider_ref, payment.status)
        return payment

    def _existing(self, kind: str, txid: str, amount: int, refusal: PixApiError) -> dict[str, Any]:
        """A refused PUT may be the retry of one that worked: the same charge is reused."""
        try:
            found = self.client.call("GET", f"/{kind}/{txid}", f"reading {kind} {txid}")
        except PixApiError:
            raise refusal from None
        original = (found.get("valor") or {}).get("original")
        if original != mapping.money(amount):
            raise ProviderError(
                f"{refusal}; and its {kind} {txid} has another amount (an idempotency key "
                "reused with other parameters?)"
            ) from refusal
        return found

    def retrieve(self, provider_ref: str) -> ProviderPayment:
        if is_cobr(provider_ref):
            return as_payment(self.retrieve_recurring_charge(provider_ref))
        kind = mapping.kind_of(provider_ref)
        answer = self.client.call("GET", f"/{kind}/{provider_ref}", f"reading {kind}")
        return mapping.payment_from_charge(answer, kind=kind, now=self._clock(), check_code=False)

    def cancel(self, provider_ref: str, *, idempotency_key: str) -> ProviderPayment:
        """Remove an open charge; a paid (or already removed) one is returned as it is."""
        if is_cobr(provider_ref):
            return as_payment(self.cancel_recurring_charge(provider_ref))
        kind = mapping.kind_of(provider_ref)
        current = self.retrieve(provider_ref)
        if current.status != P.AWAITING:
            return current
        try:
            answer = self.client.call(
                "PATCH",
                f"/{kind}/{provider_ref}",
                f"removing {kind} {provider_ref}",
                json={"status": mapping.REMOVED},
            )
        except PixApiError as exc:
            if exc.status != 400:
                raise
            now = self.retrieve(provider_ref)  # paid in between: the PSP refuses the removal
            if now.status == P.AWAITING:
                raise
            return now
        return mapping.payment_from_charge(answer, kind=kind, now=self._clock(), check_code=False)

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
        raise ProviderError("the API Pix takes Pix only: card payments need another provider")

    def refund(self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str) -> str:
        """Ask for a devolução of a received Pix (``payment_intent_id`` is its endToEndId)."""
        if amount_cents <= 0:
            raise ValueError("a refund must be of a positive amount")
        refund_id = mapping.refund_id_for(idempotency_key)
        answer = self.client.call(
            "PUT",
            f"/pix/{payment_intent_id}/devolucao/{refund_id}",
            "a devolução",
            json={"valor": mapping.money(amount_cents), "natureza": "ORIGINAL"},
        )
        log.info("pix_api: devolução %s is %s", refund_id, answer.get("status"))
        return refund_id

    # ------------------------------------------------------------------ events

    def parse_webhook_batch(self, payload: bytes) -> list[ProviderEvent]:
        """Every event of an (already authenticated) notification; ``InvalidSignature`` if the
        body is not one."""
        try:
            events = mapping.events_from_notification(json.loads(payload.decode("utf-8")))
        except (UnicodeDecodeError, ValueError, ProviderError, KeyError, TypeError) as exc:
            raise InvalidSignature(f"not an API Pix notification: {exc}") from None
        return _alert_failed_refunds(events)

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        events = self.parse_webhook_batch(payload)
        if len(events) != 1:
            raise InvalidSignature("the notification holds several events: use the batch")
        return events[0]

    def undelivered_events(self, since: datetime) -> list[ProviderEvent]:
        """Every Pix received with a txid since ``since`` (``GET /pix``, all pages), as events
        with the same ids as the webhook's: those already applied are skipped as duplicates."""
        params = {
            "inicio": _rfc3339(since),
            # A minute ahead: whole seconds, and the PSP's clock may run ahead of ours.
            "fim": _rfc3339(self._clock() + timedelta(minutes=1)),
            "txIdPresente": "true",
            "paginacao.itensPorPagina": PAGE_SIZE,
        }
        found: list[ProviderEvent] = []
        page = 0
        while True:
            answer = self.client.call(
                "GET",
                "/pix",
                "listing received Pix",
                params={**params, "paginacao.paginaAtual": page},
            )
            for pix in answer.get("pix") or []:
                found.extend(mapping.events_from_pix(pix))
            pages = int(
                (answer.get("parametros") or {}).get("paginacao", {}).get("quantidadeDePaginas", 1)
                or 1
            )
            page += 1
            if page >= pages:
                break
        found.sort(key=lambda event: event.created)
        _alert_failed_refunds(found)
        log.info("pix_api: %s events from received Pix since %s", len(found), since.isoformat())
        return found


def _alert_failed_refunds(events: list[ProviderEvent]) -> list[ProviderEvent]:
    """A devolução the PSP could not make (``NAO_REALIZADO``) leaves money with the company
    that was recorded as given back: someone must return it by hand."""
    for event in events:
        if event.type == "pix.devolucao.nao_realizado":
            log.error(
                "pix_api: a devolução was NOT made (%s); return the money by hand", event.event_id
            )
    return events


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
