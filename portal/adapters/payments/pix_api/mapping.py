"""Our terms ↔ the API Pix's JSON (release 2.9.0 of the Banco Central's specification).

* A charge's ``txid`` is derived from our idempotency key: ``imed`` (``cob``, immediate) or
  ``venc`` (``cobv``, with a due date) and 31 hex digits of its SHA-256 (35 characters, the
  spec's ``[a-zA-Z0-9]{26,35}``). The same key always names the same charge, and the kind can be
  read back from the ``txid`` of a received Pix.
* Money is a string with two decimals (``"123.45"``), percentages too (``"2.00"``).
* ``cobv``: ``valor.multa`` modalidade 2 (percentual), ``valor.juros`` modalidade 3 (percentual
  ao mês, dias corridos), ``valor.desconto`` modalidade 1 (valor fixo até a data informada: the
  due date); ``calendario.dataDeVencimento`` and ``validadeAposVencimento``.
* A received Pix's ``componentesValor`` splits its ``valor``: what was above the original
  (multa + juros) is reported as ``charges_cents``, never applied to an installment.
* Event ids (stored UNIQUE, so a webhook and the reconciliation never apply a Pix twice):
  ``pix:<endToEndId>`` for the payment, ``pix:<endToEndId>:dev:<id>:<status>`` for a devolução
  that reached a final status.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from portal.adapters.payments.base import (
    DueTerms,
    Payee,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
)
from portal.domain.calendar import anbima_calendar
from portal.domain.cobv import last_day_for
from portal.domain.payments import PaymentStatus
from portal.domain.pix import InvalidBRCode, parse_brcode

P = PaymentStatus
BRAZIL = ZoneInfo("America/Sao_Paulo")
KINDS = {"imed": "cob", "venc": "cobv"}
_PREFIX = {kind: prefix for prefix, kind in KINDS.items()}
_MONEY = re.compile(r"[0-9]{1,10}\.[0-9]{2}")
_CENT = Decimal("0.01")
_STATUSES = {
    "ATIVA": P.AWAITING,
    "CONCLUIDA": P.SUCCEEDED,
    "REMOVIDA_PELO_USUARIO_RECEBEDOR": P.CANCELED,
    "REMOVIDA_PELO_PSP": P.CANCELED,
}
REMOVED = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
FINAL_REFUNDS = ("DEVOLVIDO", "NAO_REALIZADO")


def txid_for(idempotency_key: str, kind: str) -> str:
    """The charge's ``txid``: the kind's prefix and 31 hex digits of the key's SHA-256."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()
    return _PREFIX[kind] + digest[:31]


def kind_of(txid: str) -> str:
    """``cob`` or ``cobv`` for one of our txids; ``ValueError`` for anything else."""
    kind = KINDS.get(txid[:4])
    if kind is None or len(txid) != 35:
        raise ValueError("not a txid made by the portal")
    return kind


def refund_id_for(idempotency_key: str) -> str:
    """The devolução ``id`` (``[a-zA-Z0-9]{1,35}``) for a refund's idempotency key."""
    return "dev" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def money(cents: int) -> str:
    if type(cents) is not int or cents < 0:
        raise ValueError("an amount in centavos must be a non-negative int")
    return f"{cents // 100}.{cents % 100:02d}"


def cents(text: object) -> int:
    """Centavos of a spec amount (``"123.45"``); anything else is a ``ProviderError``."""
    if not isinstance(text, str) or not _MONEY.fullmatch(text):
        raise ProviderError(f"the Pix API sent an amount that is not like '123.45': {text!r}")
    whole, fraction = text.split(".")
    return int(whole) * 100 + int(fraction)


def percent(value: Decimal) -> str:
    return str(Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))


def _request(description: str) -> str:
    return description[:140]


def cob_body(
    *, amount_cents: int, payee: Payee, description: str, expires_in_seconds: int
) -> dict[str, Any]:
    """``CobSolicitada``: an immediate charge, payable for ``expires_in_seconds``."""
    return {
        "calendario": {"expiracao": max(60, expires_in_seconds)},
        "valor": {"original": money(amount_cents)},
        "chave": _key(payee),
        "solicitacaoPagador": _request(description),
    }


def cobv_body(
    *, amount_cents: int, payee: Payee, description: str, terms: DueTerms
) -> dict[str, Any]:
    """``CobVSolicitada``: a charge with a due date, multa, juros and desconto."""
    payer = terms.payer
    document = "cpf" if len(payer.document) == 11 else "cnpj"
    valor: dict[str, Any] = {"original": money(amount_cents)}
    if terms.multa_pct > 0:
        valor["multa"] = {"modalidade": 2, "valorPerc": percent(terms.multa_pct)}
    if terms.juros_monthly_pct > 0:
        valor["juros"] = {"modalidade": 3, "valorPerc": percent(terms.juros_monthly_pct)}
    if terms.discount_cents > 0:
        valor["desconto"] = {
            "modalidade": 1,
            "descontoDataFixa": [
                {"data": terms.due_date.isoformat(), "valorPerc": money(terms.discount_cents)}
            ],
        }
    return {
        "calendario": {
            "dataDeVencimento": terms.due_date.isoformat(),
            "validadeAposVencimento": terms.days_valid_after_due,
        },
        "devedor": {document: payer.document, "nome": payer.name[:200]},
        "valor": valor,
        "chave": _key(payee),
        "solicitacaoPagador": _request(description),
    }


def _key(payee: Payee) -> str:
    if not payee.pix_key:
        raise ProviderError("the creditor has no Pix key registered at its bank")
    return payee.pix_key


def due_expiry(terms_due: date, days_after: int) -> datetime:
    """The last moment a ``cobv`` is payable: the end of the last valid day in Brasília (the
    due date and then the last day moved past weekends and bank holidays, per the spec)."""
    last_day = last_day_for(terms_due, days_after, anbima_calendar())
    return datetime.combine(last_day, time(23, 59, 59), BRAZIL).astimezone(UTC)


def checked_brcode(payload: object, *, amount_cents: int, location: object) -> str:
    """The charge's ``pixCopiaECola``, checked with our parser before anyone sees it.

    It must be a valid dynamic BR Code pointing to the charge's own location, and carry our
    amount when it carries one (dynamic ``cobv`` codes usually leave it to the location).
    """
    if not isinstance(payload, str) or not payload:
        raise ProviderError("the Pix API returned no pixCopiaECola for the charge")
    try:
        code = parse_brcode(payload)
    except InvalidBRCode as exc:
        raise ProviderError(f"the Pix API returned an invalid BR Code: {exc.reason}") from exc
    if code.url is None:
        raise ProviderError("the Pix API returned a static BR Code for a charge")
    if isinstance(location, str) and location and code.url.lower() != location.lower():
        raise ProviderError("the BR Code points to another location than the charge's")
    if code.amount_cents is not None and code.amount_cents != amount_cents:
        raise ProviderError("the BR Code carries another amount than the charge's")
    return payload.strip()


def location(charge: Mapping[str, Any]) -> object:
    return charge.get("location") or (charge.get("loc") or {}).get("location")


def _when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _component(pix: Mapping[str, Any], name: str) -> int:
    parts = pix.get("componentesValor") or {}
    part = parts.get(name) if isinstance(parts, Mapping) else None
    return cents(part["valor"]) if isinstance(part, Mapping) and "valor" in part else 0


def split_pix(pix: Mapping[str, Any]) -> tuple[int, int]:
    """(what pays the charge, multa + juros on top of it) of one received Pix."""
    total = cents(pix.get("valor"))
    charges = _component(pix, "multa") + _component(pix, "juros")
    return total - charges, charges


def _refunds(pix: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The Pix's devoluções (the spec's own webhook example gives one as a bare object)."""
    found = pix.get("devolucoes") or []
    if isinstance(found, Mapping):
        found = [found]
    return (
        [refund for refund in found if isinstance(refund, Mapping)]
        if isinstance(found, list)
        else []
    )


def refunded(pix: Mapping[str, Any], *, upto: str | None = None) -> int:
    """Centavos given back (``DEVOLVIDO``) for a Pix, up to and including devolução ``upto``."""
    total = 0
    for refund in _refunds(pix):
        if refund.get("status") == "DEVOLVIDO":
            total += cents(refund.get("valor"))
        if upto is not None and refund.get("id") == upto:
            break
    return total


def payment_from_charge(
    charge: Mapping[str, Any], *, kind: str, now: datetime, check_code: bool = True
) -> ProviderPayment:
    """A ``cob``/``cobv`` as the API answers it (created, read, revised)."""
    txid = charge.get("txid")
    if not isinstance(txid, str):
        raise ProviderError("the Pix API answered a charge without its txid")
    status = _STATUSES.get(str(charge.get("status")))
    if status is None:
        raise ProviderError(f"the Pix API answered an unknown status {charge.get('status')!r}")
    amount = cents((charge.get("valor") or {}).get("original"))
    calendar = charge.get("calendario") or {}
    if kind == "cobv":
        due = calendar.get("dataDeVencimento")
        try:
            due_date = date.fromisoformat(str(due))
        except ValueError:
            raise ProviderError("the Pix API answered a cobv without its due date") from None
        expires_at: datetime | None = due_expiry(
            due_date, int(calendar.get("validadeAposVencimento", 30))
        )
    else:
        created = _when(calendar.get("criacao"))
        expires_at = (
            created + timedelta(seconds=int(calendar.get("expiracao", 86400))) if created else None
        )
    received = list(charge.get("pix") or [])
    paid = sum(split_pix(pix)[0] for pix in received)
    if received:
        status = P.SUCCEEDED
    elif status == P.AWAITING and expires_at is not None and expires_at <= now:
        status = P.EXPIRED
    payload = charge.get("pixCopiaECola")
    if status == P.AWAITING and check_code:
        payload = checked_brcode(payload, amount_cents=amount, location=location(charge))
    return ProviderPayment(
        provider_ref=txid,
        status=status,
        amount_cents=amount,
        amount_received_cents=paid if received else None,
        payment_intent_id=str(received[0]["endToEndId"]) if received else None,
        pix_payload=payload if isinstance(payload, str) else None,
        expires_at=expires_at,
        refunded_cents=sum(refunded(pix) for pix in received),
        charges_cents=sum(split_pix(pix)[1] for pix in received),
        metadata={"kind": kind},
    )


def events_from_pix(pix: Mapping[str, Any]) -> list[ProviderEvent]:
    """The events one received Pix stands for: its payment, and each final devolução."""
    e2eid, txid = pix.get("endToEndId"), pix.get("txid")
    if not isinstance(e2eid, str) or not isinstance(txid, str) or not txid:
        return []  # not a payment of a charge: nothing of ours
    applied, charges = split_pix(pix)
    created = _when(pix.get("horario")) or datetime.now(UTC)
    paid = ProviderPayment(
        provider_ref=txid,
        status=P.SUCCEEDED,
        amount_cents=_component(pix, "original") or applied,
        amount_received_cents=applied,
        payment_intent_id=e2eid,
        charges_cents=charges,
    )
    events = [ProviderEvent(f"pix:{e2eid}", "pix.received", created, paid, raw={"txid": txid})]
    for refund in _refunds(pix):
        status = refund.get("status")
        if status not in FINAL_REFUNDS:
            continue
        refund_id = str(refund.get("id"))
        when = _when((refund.get("horario") or {}).get("liquidacao")) or created
        events.append(
            ProviderEvent(
                f"pix:{e2eid}:dev:{refund_id}:{status}",
                f"pix.devolucao.{str(status).lower()}",
                when,
                ProviderPayment(
                    provider_ref=txid,
                    status=P.SUCCEEDED,
                    amount_cents=paid.amount_cents,
                    amount_received_cents=applied,
                    payment_intent_id=e2eid,
                    refunded_cents=refunded(pix, upto=refund_id),
                ),
                raw={"txid": txid},
            )
        )
    return events


def events_from_notification(body: object) -> list[ProviderEvent]:
    """Every event of a webhook body ``{"pix": [Pix, …]}``; ``ValueError`` if it is not one."""
    if not isinstance(body, Mapping) or not isinstance(body.get("pix"), list):
        raise ValueError("not an API Pix notification: no 'pix' list")
    found: list[ProviderEvent] = []
    for pix in body["pix"]:
        if not isinstance(pix, Mapping):
            raise ValueError("a 'pix' entry is not an object")
        found.extend(events_from_pix(pix))
    return found


def flatten(pages: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [pix for page in pages for pix in page.get("pix") or []]
