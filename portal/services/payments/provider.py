"""The configured payment provider, the payee it pays, and the errors every payment path shares."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError

from portal.adapters.payments.base import (
    Payee,
    PaymentProvider,
    ProviderPayment,
)
from portal.core import DbSession
from portal.domain.payments import (
    PaymentStatus,
)
from portal.models import (
    Creditor,
    Installment,
)

P = PaymentStatus


class PaymentUnavailable(Exception):
    """This installment cannot be paid now (paid already, agreement closed, out of order)."""


class RetryLater(Exception):
    """Another transaction holds the row: answer 5xx so the provider retries (C6)."""


def provider() -> PaymentProvider:
    return current_app.extensions["payment_provider"]  # type: ignore[no-any-return]


def payee_for(creditor: Creditor) -> Payee:
    return Payee(
        name=creditor.legal_name,
        cnpj=creditor.cnpj_formatted,
        city=creditor.city,
        pix_key=creditor.pix_key,
    )


def with_status(reported: ProviderPayment, status: PaymentStatus) -> ProviderPayment:
    """The same report with another status (a cancel or expiry we decided)."""
    return replace(reported, status=status)


def lock_installment(
    session: DbSession, installment_id: int, *, nowait: bool = False
) -> Installment:
    """Row-lock the installment and see it as it is now.

    ``populate_existing``: the caller may have loaded it before the lock (the "pay" page
    reads the agreement first); without it the session would keep that older state, and a
    success committed meanwhile would go unseen (a new charge for a paid installment).
    """
    statement = (
        sa.select(Installment)
        .where(Installment.id == installment_id)
        .with_for_update(nowait=nowait)
        .execution_options(populate_existing=True)
    )
    try:
        row = session.scalar(statement)
    except OperationalError as exc:  # PostgreSQL: lock not available
        raise RetryLater(str(exc)) from exc
    assert row is not None  # noqa: S101 - foreign key
    return row
