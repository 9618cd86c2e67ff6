"""Starting a payment: at most one open attempt per installment, each create call idempotent.

Every create call carries an idempotency key derived from our ids
(``inst:<installment>:<method>:<attempt>``); at most one attempt is open per installment,
the older one is cancelled at the provider first. Requirements: docs/requirements.md §C."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.adapters.payments.base import BoletoCharges, BoletoPayer, DueDateCharges
from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.agreements import OPEN_STATES
from portal.domain.payments import OPEN, PaymentStatus
from portal.models import (
    Agreement,
    Installment,
    InstallmentStatus,
    Payment,
    PaymentCover,
)
from portal.services.payments.due import due_terms_for
from portal.services.payments.events import apply_update
from portal.services.payments.provider import (
    P,
    PaymentUnavailable,
    lock_installment,
    payee_for,
    provider,
    with_status,
)


def next_payable(agreement: Agreement) -> Installment | None:
    """The first unpaid installment of an open agreement: they are paid in order."""
    if agreement.lifecycle_state not in OPEN_STATES:
        return None
    return next((i for i in agreement.installments if i.status == InstallmentStatus.PENDING), None)


def being_confirmed(session: DbSession, installment: Installment) -> bool:
    """A payment of this installment is with the provider, being confirmed (a card, a bank):
    offering to pay it again would invite paying twice."""
    attempts = open_attempts(session, [installment.id])
    return any(attempt.status == PaymentStatus.PROCESSING.value for attempt in attempts)


def open_attempts(session: DbSession, installment_ids: Collection[int]) -> list[Payment]:
    """Open attempts paying any of these installments: their own, and early payments that
    cover them."""
    covering = sa.select(PaymentCover.payment_id).where(
        PaymentCover.installment_id.in_(installment_ids)
    )
    return list(
        session.scalars(
            sa.select(Payment)
            .where(
                sa.or_(Payment.installment_id.in_(installment_ids), Payment.id.in_(covering)),
                Payment.status.in_([s.value for s in OPEN]),
            )
            .order_by(Payment.id)
        )
    )


def still_valid(payment: Payment, now: datetime) -> bool:
    """An open attempt the debtor can still pay for a while (two minutes' margin)."""
    fresh = payment.expires_at is None or payment.expires_at > now + timedelta(minutes=2)
    return fresh and payment.provider_ref is not None


def close_attempt(session: DbSession, payment: Payment, *, actor: Actor, now: datetime) -> None:
    """Cancel an open attempt at the provider; a success found there is applied instead."""
    if payment.provider_ref is None:
        payment.status = P.CANCELED.value
        return
    reported = provider().cancel(
        payment.provider_ref, idempotency_key=f"{payment.idempotency_key}:cancel"
    )
    if reported.status == P.SUCCEEDED:
        apply_update(session, payment, reported, actor=actor, now=now)
    else:
        apply_update(session, payment, with_status(reported, P.CANCELED), actor=actor, now=now)


def _key_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _create_key(installment_id: int, method: str, attempt: int, now: datetime) -> str:
    """The idempotency key of a create call: installment, method, attempt and the minute.

    A retry within the minute (a timeout, a lost answer) sends the same key with the same
    parameters, so the provider answers with the object it already made. A retry in a later
    minute is a new request: whatever the lost call may have created was never shown to
    anyone and expires by itself at its own ``expires_at``.
    """
    return f"inst:{installment_id}:{method}:{attempt}:{_key_minute(now):%Y%m%d%H%M}"


def open_at_provider(
    payment: Payment, description: str, now: datetime, payer: BoletoPayer | None = None
) -> None:
    """Create the attempt's Pix code, boleto or card page at the provider (the row is flushed,
    its idempotency key set) and copy back what the provider made."""
    agreement = payment.agreement
    config = current_app.config
    # The request is a function of the key alone (no row ids, no seconds), so a retry after
    # a lost answer replays the same call and Stripe gives back the same object (C3).
    metadata = {
        "agreement_id": str(agreement.id),
        "installment_id": str(payment.installment_id),
        "attempt": str(payment.attempt),
    }
    opened_at = _key_minute(now)
    payee = payee_for(agreement.creditor)
    payments = provider()
    terms = due_terms_for(payment, now) if payment.method == "pix" else None
    if terms is not None and isinstance(payments, DueDateCharges):
        created = payments.create_pix_due(
            amount_cents=payment.amount_cents,
            description=description,
            payee=payee,
            metadata=metadata,
            terms=terms,
            idempotency_key=payment.idempotency_key,
        )
        # The payer's bank adds multa and juros after the due date: the page says so.
        payment.flags = {**(payment.flags or {}), "due_date_charge": True}
    elif payment.method == "boleto":
        if not isinstance(payments, BoletoCharges) or payer is None:
            raise PaymentUnavailable(payment.installment_id)
        created = payments.create_boleto(
            amount_cents=payment.amount_cents,
            description=description,
            payee=payee,
            payer=payer,
            metadata=metadata,
            expires_after_days=config["BOLETO_EXPIRY_DAYS"],
            idempotency_key=payment.idempotency_key,
        )
    elif payment.method == "pix":
        created = payments.create_pix(
            amount_cents=payment.amount_cents,
            description=description,
            payee=payee,
            metadata=metadata,
            expires_at=opened_at + timedelta(minutes=config["PIX_EXPIRY_MINUTES"]),
            idempotency_key=payment.idempotency_key,
        )
    else:
        base = config["BASE_URL"]
        number = payment.installment.number
        card_path = f"/acordos/{agreement.id}/pagamentos/{number}/cartao/{payment.attempt}"
        created = payments.create_card_checkout(
            amount_cents=payment.amount_cents,
            description=description,
            payee=payee,
            metadata=metadata,
            success_url=f"{base}{card_path}/retorno",
            cancel_url=f"{base}{card_path}/cancelado",
            expires_at=opened_at + timedelta(minutes=config["CHECKOUT_EXPIRY_MINUTES"]),
            idempotency_key=payment.idempotency_key,
        )
    payment.provider_ref = created.provider_ref
    payment.payment_intent_id = created.payment_intent_id
    payment.pix_payload = created.pix_payload
    payment.checkout_url = created.checkout_url
    payment.boleto_line = created.boleto_line
    payment.voucher_url = created.voucher_url
    payment.voucher_pdf_url = created.voucher_pdf_url
    payment.expires_at = created.expires_at
    payment.status = created.status.value


def start_payment(
    session: DbSession,
    installment_id: int,
    method: str,
    *,
    actor: Actor,
    now: datetime,
    payer: BoletoPayer | None = None,
) -> Payment:
    """Open an attempt (or give back the open one of the same method) for an installment.

    A boleto needs its ``payer`` (a boleto names who pays it); any other open attempt is
    closed first, so one charge at most is live per installment whatever the methods."""
    installment = lock_installment(session, installment_id)
    agreement = installment.agreement
    if next_payable(agreement) is not installment:
        raise PaymentUnavailable(installment.id)
    for open_attempt in open_attempts(session, [installment.id]):
        reusable = not open_attempt.is_early and open_attempt.method == method
        # A Pix Automático charge has no code to show: paying by hand closes it.
        reusable = reusable and not (open_attempt.flags or {}).get("pix_automatico")
        if reusable and still_valid(open_attempt, now):
            return open_attempt
        close_attempt(session, open_attempt, actor=actor, now=now)
    if installment.status != InstallmentStatus.PENDING:  # a success just applied above
        raise PaymentUnavailable(installment.id)
    attempt = (
        session.scalar(
            sa.select(sa.func.max(Payment.attempt)).where(Payment.installment_id == installment.id)
        )
        or 0
    ) + 1
    amount = installment.open_cents
    payment = Payment(
        installment_id=installment.id,
        agreement_id=agreement.id,
        provider=provider().name,
        method=method,
        attempt=attempt,
        idempotency_key=_create_key(installment.id, method, attempt, now),
        amount_cents=amount,
    )
    session.add(payment)
    session.flush()
    description = (
        f"Acordo {agreement.id} - pagamento {installment.number + 1} de {agreement.payment_count}"
    )
    open_at_provider(payment, description, now, payer)
    record_event(
        session,
        actor,
        "payment.started",
        subject=("payment", payment.id),
        creditor_id=agreement.creditor_id,
        details={
            "installment_id": installment.id,
            "method": method,
            "amount_cents": amount,
            "provider": payment.provider,
        },
    )
    return payment
