"""Payments of the key's creditor's agreements."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g
from sqlalchemy.orm import joinedload

from portal.api import present, schemas
from portal.api.blueprint import bp
from portal.api.pagination import page
from portal.api.spec import operation
from portal.extensions import db
from portal.models import Agreement, Payment


def _payments() -> sa.Select[Any]:
    return (
        sa.select(Payment)
        .join(Agreement, Agreement.id == Payment.agreement_id)
        .where(Agreement.creditor_id == g.creditor_id)
        .options(joinedload(Payment.installment))
    )


@bp.get("/payments")
@operation(
    "get",
    "/payments",
    summary="List payments (changed since, cursor-paginated)",
    tag="payments",
    query=schemas.ListQuery,
    response=schemas.PaymentList,
)
def list_payments(query: schemas.ListQuery) -> object:
    rows, next_cursor = page(
        _payments(),
        Payment.updated_at,
        Payment.id,
        updated_since=query.since(),
        cursor=query.cursor,
        limit=query.limit,
        session=db.session,
    )
    return schemas.PaymentList(data=[present.payment(r) for r in rows], next_cursor=next_cursor)


@bp.get("/payments/<int:payment_id>")
@operation(
    "get",
    "/payments/<int:payment_id>",
    summary="Get a payment",
    tag="payments",
    response=schemas.PaymentOut,
    errors=(404,),
)
def get_payment(payment_id: int) -> object:
    row = db.session.scalar(_payments().where(Payment.id == payment_id))
    if row is None:
        abort(404)
    return present.payment(row)
