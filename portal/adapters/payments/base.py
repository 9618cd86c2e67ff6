"""What the portal needs from a payment provider, whatever the provider is.

Three implementations: Stripe, the Banco Central's standard API Pix of any bank or payment
institution (``pix_api``: also charges with a due date, :class:`DueDateCharges`), and a sandbox
(the embedded default: a real, scannable static Pix BR Code and a stand-in for the hosted card
page). Pix Automático (:class:`RecurringCharges`) comes from ``pix_api`` and the sandbox;
Stripe and the sandbox also issue boletos (:class:`BoletoCharges`). Providers speak in
our own terms: :class:`ProviderPayment` with a :class:`PaymentStatus` from the domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from portal.domain.payments import PaymentStatus


class ProviderError(Exception):
    """The provider could not be reached or refused the call (retry later)."""


class InvalidSignature(ValueError):
    """A webhook whose signature does not verify (or is too old): answer 400."""


@dataclass(frozen=True)
class Payee:
    """Who receives the money: shown before the Pix code, encoded in static codes."""

    name: str
    cnpj: str
    city: str
    pix_key: str | None


@dataclass(frozen=True)
class ProviderPayment:
    """The provider's view of one payment attempt."""

    provider_ref: str  # Stripe: the PaymentIntent id (Pix) or Checkout Session id (card)
    status: PaymentStatus
    amount_cents: int
    currency: str = "brl"
    amount_received_cents: int | None = None
    payment_intent_id: str | None = None
    pix_payload: str | None = None  # the BR Code ("copia e cola")
    expires_at: datetime | None = None
    checkout_url: str | None = None
    refunded_cents: int = 0
    metadata: Mapping[str, str] = field(default_factory=dict)
    # Multa and juros the payer's bank added to a charge with a due date paid late (API Pix
    # ``cobv``): received on top of ``amount_received_cents``, never applied to the installment.
    charges_cents: int = 0
    # Boleto: the linha digitável (47 digits), the voucher page and its PDF (``expires_at`` is
    # the voucher's due moment: 23:59 in São Paulo on its last day).
    boleto_line: str | None = None
    voucher_url: str | None = None
    voucher_pdf_url: str | None = None


@dataclass(frozen=True)
class ProviderEvent:
    """A verified provider event, mapped to the payment it concerns (if any)."""

    event_id: str
    type: str
    created: datetime
    payment: ProviderPayment | None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Payer:
    """Who a charge with a due date is addressed to (the API Pix requires it for ``cobv``)."""

    document: str  # CPF (11 digits) or CNPJ (14)
    name: str


@dataclass(frozen=True)
class DueTerms:
    """A Pix charge with a due date: the payer's bank adds multa and juros after it, itself.

    ``multa_pct`` once after the due date, ``juros_monthly_pct`` a month pro rata by calendar
    day, ``discount_cents`` off if paid on or before the due date (0: none); payable up to
    ``days_valid_after_due`` calendar days after the due date.
    """

    due_date: date
    days_valid_after_due: int
    multa_pct: Decimal
    juros_monthly_pct: Decimal
    payer: Payer
    discount_cents: int = 0


@runtime_checkable
class DueDateCharges(Protocol):
    """A provider that can also issue Pix charges with a due date (API Pix ``cobv``)."""

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
        """A charge payable until ``terms.due_date`` + the days after it (status ``awaiting``)."""


@dataclass(frozen=True)
class BoletoPayer:
    """Who a boleto is issued to: a boleto names its payer (CPF or CNPJ, name, address)."""

    tax_id: str  # CPF (11 digits) or CNPJ (14)
    name: str
    email: str
    line1: str
    city: str
    state: str  # UF, two letters
    postal_code: str  # CEP, 8 digits


@runtime_checkable
class BoletoCharges(Protocol):
    """A provider that can also issue boletos (Stripe's boleto, the sandbox's stand-in)."""

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
        """A boleto ready to show (status ``awaiting``): ``boleto_line``, ``voucher_url``,
        ``expires_at``. It is paid at a bank and confirmed days later (a provider event)."""


class PaymentProvider(Protocol):
    name: str

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
        """A Pix charge whose BR Code is ready to show (status ``awaiting``)."""

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
        """A hosted card page to redirect the payer to (``checkout_url``)."""

    def retrieve(self, provider_ref: str) -> ProviderPayment:
        """The provider's current view (used before expiring, and to reconcile)."""

    def cancel(self, provider_ref: str, *, idempotency_key: str) -> ProviderPayment:
        """Stop an open attempt (cancel the PaymentIntent / expire the Checkout Session).

        If the provider says it already succeeded, the returned status says so.
        """

    def refund(self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str) -> str:
        """Refund (part of) a payment; returns the provider's refund id."""

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """Verify the signature on the raw body and map the event; ``InvalidSignature``."""

    def undelivered_events(self, since: datetime) -> list[ProviderEvent]:
        """Events the provider failed to deliver to us since ``since`` (reconciliation)."""


@dataclass(frozen=True)
class RecurrenceTerms:
    """What the payer authorises (API Pix ``rec``): the company's charges for one agreement,
    monthly from ``first_due`` to ``last_due``, each at most ``max_amount_cents``."""

    contract: str  # up to 35 characters: our agreement reference
    purpose: str  # up to 35 characters, shown by her bank ("Acordo 123 - Credora")
    payer: Payer
    first_due: date
    last_due: date
    retry_policy: str  # domain.pix_automatico.RetryPolicy value
    max_amount_cents: int | None = None


@dataclass(frozen=True)
class ProviderRecurrence:
    """The provider's view of an authorisation (``status``: domain ``RecurrenceStatus``)."""

    provider_ref: str  # idRec
    status: str
    pix_payload: str | None = None  # the QR (copia e cola) the payer scans to authorise
    cancelled_by: str | None = None  # domain ``Canceller`` value
    end_code: str | None = None


@dataclass(frozen=True)
class ProviderRecurringCharge:
    """The provider's view of a ``cobr``: its outcome (domain ``ChargeOutcome``) and the
    attempts at the payer's bank (their statuses, oldest first)."""

    txid: str
    outcome: str
    amount_cents: int
    attempts: tuple[str, ...] = ()
    rejection: str | None = None  # the last failed attempt's code
    amount_received_cents: int | None = None
    end_to_end_id: str | None = None


@runtime_checkable
class RecurringCharges(Protocol):
    """A provider that offers Pix Automático (API Pix ``rec``, ``cobr``)."""

    def create_recurrence(
        self, *, terms: RecurrenceTerms, payee: Payee, idempotency_key: str
    ) -> ProviderRecurrence:
        """An authorisation request the payer approves in her bank app (status requested)."""

    def retrieve_recurrence(self, provider_ref: str) -> ProviderRecurrence:
        """The authorisation as it stands at the provider."""

    def cancel_recurrence(self, provider_ref: str) -> ProviderRecurrence:
        """End the authorisation on the company's side (the payer may do so at her bank)."""

    def create_recurring_charge(
        self,
        *,
        recurrence_ref: str,
        amount_cents: int,
        due_date: date,
        description: str,
        idempotency_key: str,
    ) -> ProviderRecurringCharge:
        """Send an installment's charge to the payer's bank (2 to 10 days before it is due)."""

    def retrieve_recurring_charge(self, txid: str) -> ProviderRecurringCharge:
        """The charge and its attempts as they stand."""

    def retry_recurring_charge(self, txid: str, on: date) -> ProviderRecurringCharge:
        """Ask the payer's bank to try again on ``on`` (the authorisation's policy permitting)."""
