"""Applying an early payment (one attempt covering several installments) when it succeeds.

Each covered installment gets the part of the payment booked to it when the attempt was
opened, and is settled with the interest removed, if it is still owed exactly as quoted.
One that changed since (paid by another attempt meanwhile) gets its part as an ordinary
payment, up to what it still owes; the rest is excess, refunded like any duplicate, so the
net money paid never exceeds what is due. An agreement that ended gets nothing: it is all
given back.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal.core import DbSession
from portal.domain.payments import Application, apply_to_installment
from portal.models import Installment, InstallmentStatus, Payment
from portal.services.negotiation import Credit
from portal.services.payments.provider import RetryLater


def lock_covered(session: DbSession, payment: Payment) -> dict[int, Installment]:
    """The covered installments, row-locked in id order (so two payments never deadlock)."""
    ids = sorted(cover.installment_id for cover in payment.covers)
    statement = (
        sa.select(Installment)
        .where(Installment.id.in_(ids))
        .order_by(Installment.id)
        .with_for_update()
        .execution_options(populate_existing=True)  # as they are now, not as loaded before
    )
    try:
        rows = list(session.scalars(statement))
    except OperationalError as exc:  # PostgreSQL: lock not available
        raise RetryLater(str(exc)) from exc
    return {row.id: row for row in rows}


def early_credits(
    session: DbSession, payment: Payment, received_cents: int
) -> tuple[Application, list[Credit], bool]:
    """How ``received_cents`` (already checked to be the amount asked) is applied: the
    application in all, the credit to each installment, and whether the agreement had ended
    (everything is then refunded)."""
    installments = lock_covered(session, payment)
    if any(i.status == InstallmentStatus.CANCELLED for i in installments.values()):
        return Application(0, received_cents), [], True
    credits = []
    for cover in payment.covers:
        installment = installments[cover.installment_id]
        if installment.status == InstallmentStatus.PENDING and (
            installment.open_cents == cover.owed_cents
        ):
            credits.append(Credit(installment, cover.amount_cents, cover.discount_cents))
            continue
        settled = installment.amount_cents - installment.open_cents
        part = apply_to_installment(installment.amount_cents, settled, cover.amount_cents)
        if part.applied_cents:
            credits.append(Credit(installment, part.applied_cents))
    applied = sum(credit.amount_cents for credit in credits)
    return Application(applied, received_cents - applied), credits, False
