"""Pix Automático in the sandbox (embedded default): authorisations and recurring charges kept
in ``sandbox_charges`` (kinds ``rec`` and ``cobr``), so the web server, the CLI and tests see
the same state. The "Simular aprovação no banco" control stands in for the payer's bank app.

* An authorisation is *requested* until the stand-in approves or rejects it; cancelling it
  (either side) ends its pending charges.
* A charge is scheduled when created; the payer's "bank" debits it at the first check after
  that (the demo does not wait for the due date). ``simulate_recurring_failures`` makes the
  next checks fail (``AM04``, insufficient funds) so retries can be tried.
* A ``cobr`` row speaks the sandbox's ordinary statuses (``awaiting``, ``succeeded``,
  ``canceled``), so its payment attempt is read and closed like any other sandbox charge.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.adapters.payments.base import (
    Payee,
    ProviderError,
    ProviderRecurrence,
    ProviderRecurringCharge,
    RecurrenceTerms,
)
from portal.domain.pix import BRCode, InvalidBRCode, encode_brcode
from portal.domain.pix_automatico import Canceller, ChargeOutcome, RecurrenceStatus

R = RecurrenceStatus
_OUTCOME = {
    "awaiting": ChargeOutcome.PENDING,
    "succeeded": ChargeOutcome.COLLECTED,
    "refunded": ChargeOutcome.COLLECTED,
    "canceled": ChargeOutcome.ENDED,
    "expired": ChargeOutcome.ENDED,
}


def _plain(text: str, limit: int) -> str:
    """ASCII, as a BR Code holds (accents dropped), cut to ``limit``."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if ch.isascii() and ch.isprintable())
    return " ".join(kept.split())[:limit].strip() or "Recebedor"


class SandboxRecurring:
    """Mixed into :class:`~portal.adapters.payments.sandbox.SandboxProvider`."""

    base_url: str
    session: Any  # the provider's current SQLAlchemy session

    def _row(self, kind: str, ref: str) -> Any:
        from portal.models import SandboxCharge

        row = self.session.scalar(sa.select(SandboxCharge).filter_by(ref=ref, kind=kind))
        if row is None:
            raise ProviderError(f"unknown sandbox {kind} {ref}")
        return row

    @staticmethod
    def _recurrence(row: Any) -> ProviderRecurrence:
        details = row.details or {}
        return ProviderRecurrence(
            provider_ref=row.ref,
            status=row.status,
            pix_payload=row.pix_payload,
            cancelled_by=details.get("cancelled_by"),
            end_code=details.get("end_code"),
        )

    @staticmethod
    def _charge(row: Any) -> ProviderRecurringCharge:
        details = row.details or {}
        attempts = tuple(details.get("attempts", []))
        collected = row.status in ("succeeded", "refunded")
        outcome = _OUTCOME.get(row.status, ChargeOutcome.PENDING)
        if outcome == ChargeOutcome.PENDING and attempts and attempts[-1] == "REJEITADA":
            outcome = ChargeOutcome.FAILED
        return ProviderRecurringCharge(
            txid=row.ref,
            outcome=outcome.value,
            amount_cents=row.amount_cents,
            attempts=attempts,
            rejection=details.get("rejection"),
            amount_received_cents=row.amount_cents if collected else None,
            end_to_end_id=details.get("e2e"),
        )

    # ------------------------------------------------------------------ authorisations

    def create_recurrence(
        self, *, terms: RecurrenceTerms, payee: Payee, idempotency_key: str
    ) -> ProviderRecurrence:
        from portal.models import SandboxCharge

        existing = self.session.scalar(
            sa.select(SandboxCharge).filter_by(idempotency_key=idempotency_key)
        )
        if existing is not None:
            return self._recurrence(existing)
        ref = f"sbx_rec_{secrets.token_hex(8)}"
        host = self.base_url.split("://", 1)[-1]
        try:
            payload = encode_brcode(
                BRCode(
                    merchant_name=_plain(payee.name, 25),
                    merchant_city=_plain(payee.city or "Sao Paulo", 15),
                    recurrence_url=f"{host}/sandbox/rec/{ref}"[:77],
                )
            )
        except (InvalidBRCode, ValueError) as exc:
            raise ProviderError(f"cannot build the recurrence's code: {exc}") from exc
        row = SandboxCharge(
            ref=ref,
            idempotency_key=idempotency_key,
            kind="rec",
            status=R.REQUESTED.value,
            amount_cents=terms.max_amount_cents or 0,
            pix_payload=payload,
            expires_at=datetime.now(UTC) + timedelta(days=30),
            details={"policy": terms.retry_policy, "last_due": terms.last_due.isoformat()},
        )
        self.session.add(row)
        self.session.flush()
        return self._recurrence(row)

    def retrieve_recurrence(self, provider_ref: str) -> ProviderRecurrence:
        return self._recurrence(self._row("rec", provider_ref))

    def cancel_recurrence(self, provider_ref: str) -> ProviderRecurrence:
        return self._end(provider_ref, Canceller.CREDITOR, "SLCR")

    def _end(self, provider_ref: str, who: Canceller, code: str) -> ProviderRecurrence:
        from portal.models import SandboxCharge

        row = self._row("rec", provider_ref)
        if row.status in (R.REQUESTED.value, R.APPROVED.value):
            row.status = R.CANCELLED.value
            row.details = {**row.details, "cancelled_by": who.value, "end_code": code}
            for charge in self.session.scalars(
                sa.select(SandboxCharge).filter_by(kind="cobr", status="awaiting")
            ):
                if charge.details.get("rec") == provider_ref:
                    charge.status = "canceled"
            self.session.flush()
        return self._recurrence(row)

    # ------------------------------------------------------------------ charges

    def create_recurring_charge(
        self,
        *,
        recurrence_ref: str,
        amount_cents: int,
        due_date: date,
        description: str,
        idempotency_key: str,
    ) -> ProviderRecurringCharge:
        from portal.models import SandboxCharge

        existing = self.session.scalar(
            sa.select(SandboxCharge).filter_by(idempotency_key=idempotency_key)
        )
        if existing is not None:
            return self._charge(existing)
        recurrence = self._row("rec", recurrence_ref)
        if recurrence.status != R.APPROVED.value:
            raise ProviderError("the payer has not authorised this recurrence")
        row = SandboxCharge(
            ref=f"sbx_cobr_{secrets.token_hex(8)}",
            idempotency_key=idempotency_key,
            kind="cobr",
            status="awaiting",
            amount_cents=amount_cents,
            expires_at=datetime.combine(due_date + timedelta(days=8), datetime.min.time(), UTC),
            details={"rec": recurrence_ref, "due": due_date.isoformat(), "attempts": ["AGENDADA"]},
        )
        self.session.add(row)
        self.session.flush()
        return self._charge(row)

    def retrieve_recurring_charge(self, txid: str) -> ProviderRecurringCharge:
        row = self._row("cobr", txid)
        attempts = list(row.details.get("attempts", []))
        if row.status == "awaiting" and attempts and attempts[-1] == "AGENDADA":
            recurrence = self._row("rec", row.details["rec"])
            failures = int(recurrence.details.get("fail_next", 0))
            if failures:  # the payer's account had no funds this time
                attempts[-1] = "REJEITADA"
                recurrence.details = {**recurrence.details, "fail_next": failures - 1}
                row.details = {**row.details, "attempts": attempts, "rejection": "AM04"}
            else:
                attempts[-1] = "PAGA"
                row.status = "succeeded"
                e2e = "E" + secrets.token_hex(16)[:31].upper()
                row.details = {**row.details, "attempts": attempts, "e2e": e2e}
            self.session.flush()
        return self._charge(row)

    def retry_recurring_charge(self, txid: str, on: date) -> ProviderRecurringCharge:
        row = self._row("cobr", txid)
        recurrence = self._row("rec", row.details["rec"])
        if recurrence.details.get("policy") != "PERMITE_3R_7D":
            raise ProviderError("the recurrence's policy does not allow retries")
        attempts = list(row.details.get("attempts", []))
        if row.status == "awaiting" and attempts and attempts[-1] == "REJEITADA":
            row.details = {**row.details, "attempts": [*attempts, "AGENDADA"], "retry": str(on)}
            self.session.flush()
        return self._charge(row)

    # ------------------------------------------------------------------ the payer's bank

    def simulate_recurrence_answer(self, provider_ref: str, approve: bool) -> ProviderRecurrence:
        """The payer approves (or rejects) the authorisation in her bank app."""
        row = self._row("rec", provider_ref)
        if row.status == R.REQUESTED.value:
            row.status = (R.APPROVED if approve else R.REJECTED).value
            if not approve:
                row.details = {**row.details, "end_code": "AP13"}
            self.session.flush()
        return self._recurrence(row)

    def simulate_payer_cancel(self, provider_ref: str) -> ProviderRecurrence:
        """The payer cancels the authorisation in her bank app."""
        return self._end(provider_ref, Canceller.PAYER, "ACCL")

    def simulate_recurring_failures(self, provider_ref: str, times: int) -> None:
        """The next ``times`` debits under this authorisation fail (no funds)."""
        row = self._row("rec", provider_ref)
        row.details = {**row.details, "fail_next": times}
        self.session.flush()
