"""The sandbox's boleto: the embedded default's stand-in for Stripe's boleto.

A :class:`SandboxProvider` that also issues boletos (:class:`BoletoCharges`). The linha
digitável is valid by FEBRABAN's rules (``portal.domain.boleto``) but names bank ``999``, a code
no bank has, so no bank would take it; the voucher is a sandbox page with a clearly labelled
"Simular pagamento" button (``portal.demo.sandbox.boleto``), the stand-in for the payer's bank
clearing the payment. Not available in production (``build_provider``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.adapters.payments.base import BoletoPayer, Payee, ProviderPayment
from portal.adapters.payments.sandbox import SandboxProvider
from portal.domain.boleto import build_barcode, line_from_barcode

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
SANDBOX_BANK = "999"  # assigned to no bank: a sandbox boleto cannot be paid anywhere


def voucher_due(now: datetime, days: int) -> datetime:
    """The voucher's last moment: 23:59:59 in São Paulo, ``days`` calendar days from today
    there (as Stripe's ``expires_after_days``), in UTC."""
    today = now.astimezone(SAO_PAULO).date()
    last = datetime.combine(today + timedelta(days=days), time(23, 59, 59), SAO_PAULO)
    return last.astimezone(UTC)


def sandbox_line(idempotency_key: str, amount_cents: int, due: datetime) -> str:
    """A FEBRABAN-valid linha digitável for bank 999, its free field drawn from the key."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    free_field = str(int(digest, 16))[:25].zfill(25)
    barcode = build_barcode(
        bank=SANDBOX_BANK,
        due=due.astimezone(SAO_PAULO).date(),
        amount_cents=amount_cents,
        free_field=free_field,
    )
    return line_from_barcode(barcode)


class SandboxBoletoProvider(SandboxProvider):
    """The sandbox, with boletos."""

    def _view(self, charge) -> ProviderPayment:  # type: ignore[no-untyped-def]
        view = super()._view(charge)
        if charge.kind != "boleto":
            return view
        return replace(
            view,
            boleto_line=charge.details.get("boleto_line"),
            voucher_url=f"{self.base_url}/sandbox/boleto/{charge.ref}",
        )

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
        now: datetime | None = None,
    ) -> ProviderPayment:
        due = voucher_due(now or datetime.now(UTC), expires_after_days)
        created = self._create(
            "boleto",
            amount_cents=amount_cents,
            idempotency_key=idempotency_key,
            expires_at=due,
            metadata=metadata,
        )
        charge = self._find(ref=created.provider_ref)
        if "boleto_line" not in charge.details:  # nothing personal is kept: the line only
            line = sandbox_line(idempotency_key, amount_cents, due)
            charge.details = {**charge.details, "boleto_line": line}
            self.session.flush()
        return self._view(charge)
