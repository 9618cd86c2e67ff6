"""Periodic work on payments: refunds of excess, expiry of stale attempts, reconciliation."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.adapters.payments.base import (
    ProviderError,
    ProviderPayment,
)
from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import SYSTEM, Actor
from portal.domain.payments import (
    OPEN,
)
from portal.models import (
    Payment,
)
from portal.services.payments.events import apply_update, flag_payment, process_event, record_refund
from portal.services.payments.provider import P, provider, with_status

log = logging.getLogger(__name__)
# A boleto paid on its last day is confirmed by the bank 1 to 3 business days later: its
# attempt stays open that long after the voucher's due moment (a weekend or holiday included)
# before our own expiry asks the provider and closes it.
BOLETO_CLEARING = timedelta(days=5)


def refund_excess(session: DbSession, payment_id: int, *, actor: Actor = SYSTEM) -> int:
    """Give back what a payment brought beyond the installment's due (idempotent)."""
    payment = session.scalar(
        sa.select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None or not payment.excess_cents:
        return 0
    pending = payment.excess_cents - payment.refunded_cents
    if pending <= 0:
        return 0
    if payment.method == "boleto":
        # Boleto payments cannot be refunded through the provider (Stripe: no refunds for
        # boleto): staff return the money by bank transfer; the attempt says so, once.
        if not (payment.flags or {}).get("refund_by_hand"):
            flag_payment(payment, refund_by_hand=pending)
            record_event(
                session,
                actor,
                "payment.refund_by_hand",
                subject=("payment", payment.id),
                creditor_id=payment.agreement.creditor_id,
                details={"pending_cents": pending},
            )
            log.error(
                "payment %s: boleto excess of %s centavos to return by hand", payment.id, pending
            )
        return 0
    ref = payment.payment_intent_id or payment.provider_ref
    if ref is None:
        raise ProviderError("no provider reference to refund")
    refund_id = provider().refund(
        ref, pending, idempotency_key=f"refund:{payment.id}:{payment.excess_cents}"
    )
    reported = ProviderPayment(
        provider_ref=payment.provider_ref or ref,
        status=P.SUCCEEDED,
        amount_cents=payment.amount_cents,
        amount_received_cents=payment.amount_received_cents,
        refunded_cents=payment.refunded_cents + pending,
    )
    record_refund(session, payment, reported, actor=actor)
    flag_payment(payment, refund_id=refund_id)
    return pending


def expire_attempts(session: DbSession, now: datetime) -> int:
    """Close attempts past their expiry, asking the provider first (a late success wins)."""
    due = list(
        session.scalars(
            sa.select(Payment)
            .where(
                Payment.status.in_([P.AWAITING.value, P.CREATED.value]),
                sa.or_(
                    sa.and_(Payment.method != "boleto", Payment.expires_at < now),
                    Payment.expires_at < now - BOLETO_CLEARING,
                ),
            )
            .order_by(Payment.id)
        )
    )
    expired = 0
    for payment in due:
        if payment.provider_ref is None:
            payment.status = P.EXPIRED.value
            continue
        try:
            with session.begin_nested():
                reported = provider().retrieve(payment.provider_ref)
                if reported.status == P.SUCCEEDED:
                    apply_update(session, payment, reported, actor=SYSTEM, now=now)
                    continue
                cancelled = provider().cancel(
                    payment.provider_ref, idempotency_key=f"{payment.idempotency_key}:cancel"
                )
                status = P.SUCCEEDED if cancelled.status == P.SUCCEEDED else P.EXPIRED
                apply_update(
                    session, payment, with_status(cancelled, status), actor=SYSTEM, now=now
                )
                expired += status == P.EXPIRED
        except ProviderError:  # try again on the next run; never expire without asking
            log.warning("could not check payment %s with the provider; will retry", payment.id)
    return expired


def reconcile(
    session: DbSession, now: datetime, *, lookback: timedelta = timedelta(days=3)
) -> dict[str, int]:
    """What the webhooks missed: undelivered provider events, then open attempts' states."""
    counts = {"events": 0, "checked": 0, "applied": 0}
    name = provider().name
    for event in provider().undelivered_events(now - lookback):
        counts["events"] += 1
        outcome = process_event(session, name, event, now=now)
        counts["applied"] += outcome.action not in {
            "duplicate_event",
            "ignored",
            "ignored_type",
            "unknown_payment",
        }
    stale = list(
        session.scalars(
            sa.select(Payment).where(
                Payment.status.in_([s.value for s in OPEN]),
                Payment.provider_ref.is_not(None),
                Payment.created_at < now - timedelta(minutes=5),
            )
        )
    )
    for payment in stale:
        counts["checked"] += 1
        outcome = apply_update(
            session, payment, provider().retrieve(str(payment.provider_ref)), actor=SYSTEM, now=now
        )
        counts["applied"] += outcome.action != "ignored"
    return counts


def cancel_open_charges(session: DbSession, agreement_id: int, *, now: datetime) -> int:
    """Close every open attempt of an agreement that ended (cancelled, lapsed, broken) at the
    provider, so its Pix code or card page cannot be paid any more. A success the provider
    already had is applied instead (and, the agreement being over, refunded)."""
    attempts = list(
        session.scalars(
            sa.select(Payment)
            .where(
                Payment.agreement_id == agreement_id,
                Payment.status.in_([s.value for s in OPEN]),
            )
            .order_by(Payment.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    closed = 0
    for payment in attempts:
        if payment.provider_ref is None:
            payment.status = P.CANCELED.value
            closed += 1
            continue
        reported = provider().cancel(
            payment.provider_ref, idempotency_key=f"{payment.idempotency_key}:cancel"
        )
        status = P.SUCCEEDED if reported.status == P.SUCCEEDED else P.CANCELED
        apply_update(session, payment, with_status(reported, status), actor=SYSTEM, now=now)
        closed += status == P.CANCELED
    return closed
