"""Agreements and payments of the key's creditor: change feeds and single reads."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g
from sqlalchemy.orm import selectinload

from portal.api import present, schemas
from portal.api.blueprint import bp
from portal.api.pagination import page
from portal.api.spec import operation
from portal.extensions import db
from portal.models import Agreement, AgreementItem


def _agreements() -> sa.Select[Any]:
    return (
        sa.select(Agreement)
        .where(Agreement.creditor_id == g.creditor_id)
        .options(
            selectinload(Agreement.installments),
            selectinload(Agreement.items).selectinload(AgreementItem.pending_item),
            selectinload(Agreement.evidence),
        )
    )


@bp.get("/agreements")
@operation(
    "get",
    "/agreements",
    summary="List agreements (changed since, cursor-paginated)",
    tag="agreements",
    query=schemas.ListQuery,
    response=schemas.AgreementList,
)
def list_agreements(query: schemas.ListQuery) -> object:
    """Ordered by last change; poll with ``updated_since`` and follow ``next_cursor``."""
    rows, next_cursor = page(
        _agreements(),
        Agreement.updated_at,
        Agreement.id,
        updated_since=query.since(),
        cursor=query.cursor,
        limit=query.limit,
        session=db.session,
    )
    return schemas.AgreementList(data=[present.agreement(r) for r in rows], next_cursor=next_cursor)


@bp.get("/agreements/<int:agreement_id>")
@operation(
    "get",
    "/agreements/<int:agreement_id>",
    summary="Get an agreement",
    tag="agreements",
    response=schemas.AgreementOut,
    errors=(404,),
)
def get_agreement(agreement_id: int) -> object:
    row = db.session.scalar(_agreements().where(Agreement.id == agreement_id))
    if row is None:
        abort(404)
    return present.agreement(row)
