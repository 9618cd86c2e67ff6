"""Pending items: batch upsert by external reference, list, get, mark paid or cancelled,
confirm the removal of a paid item from the credit bureaus."""

from __future__ import annotations

from datetime import date
from typing import Literal

import sqlalchemy as sa
from flask import abort, g
from pydantic import ValidationError

from portal.api import present, schemas
from portal.api.blueprint import bp
from portal.api.pagination import page
from portal.api.problems import field_error, field_errors, rule_problem
from portal.api.spec import operation, pydantic_errors
from portal.core.clock import today_br
from portal.domain.errors import N_, Message
from portal.domain.records import ItemRecord, RecordInvalid, item_record
from portal.extensions import db
from portal.models import PendingItem
from portal.services.integration import (
    Outcome,
    PortfolioError,
    set_item_status,
    upsert_items,
)
from portal.services.negotiation import RemovalRefused, confirm_removal


class ItemListQuery(schemas.ListQuery):
    status: Literal["open", "in_agreement", "paid", "cancelled", "disputed"] | None = None


@bp.post("/items/batch")
@operation(
    "post",
    "/items/batch",
    summary="Create or update up to 1,000 pending items",
    tag="items",
    body=schemas.ItemBatchIn,
    response=schemas.ItemBatchOut,
)
def upsert_item_batch(body: schemas.ItemBatchIn) -> object:
    """Each item is matched by ``external_reference``. Valid items are saved even when others
    in the batch are refused; ``results`` lists every item in order with its outcome. Sending
    the same items again changes nothing (``unchanged``)."""
    today = today_br()
    results: list[schemas.ItemResult | None] = [None] * len(body.items)
    entries: list[tuple[int, str, ItemRecord]] = []
    seen: set[str] = set()
    for index, loose in enumerate(body.items):
        raw = loose.model_dump()
        errors, document, record = _check_item(raw, today)
        reference = raw["external_reference"]
        if reference in seen:
            errors.append(
                _field_error(
                    "external_reference",
                    Message.of(
                        "duplicate_in_batch", N_("esta referência já apareceu antes neste lote")
                    ),
                )
            )
        seen.add(reference)
        if errors or record is None:
            results[index] = schemas.ItemResult(
                external_reference=reference, outcome="error", errors=errors
            )
        else:
            entries.append((index, document, record))
    outcomes = upsert_items(
        db.session, g.creditor_id, [(doc, rec) for _, doc, rec in entries], actor=g.actor
    )
    for (index, _, _), outcome in zip(entries, outcomes, strict=True):
        errors = []
        if outcome.error is not None:
            errors.append(_field_error("external_reference", outcome.error))
        results[index] = schemas.ItemResult(
            external_reference=outcome.external_reference,
            outcome=outcome.outcome.value,  # type: ignore[arg-type]
            id=outcome.item.id if outcome.item is not None else None,
            errors=errors,
        )
    final = [r for r in results if r is not None]
    return schemas.ItemBatchOut(
        created=sum(r.outcome == Outcome.CREATED for r in final),
        updated=sum(r.outcome == Outcome.UPDATED for r in final),
        unchanged=sum(r.outcome == Outcome.UNCHANGED for r in final),
        errors=sum(r.outcome == Outcome.ERROR for r in final),
        results=final,
    )


def _field_error(field: str, message: Message) -> schemas.FieldError:
    return schemas.FieldError(**field_error(field, message))


def _check_item(
    raw: dict[str, object], today: date
) -> tuple[list[schemas.FieldError], str, ItemRecord | None]:
    """One item held to ``ItemIn`` and to the domain's rules: its errors, or its record."""
    try:
        item = schemas.ItemIn.model_validate(raw)
    except ValidationError as invalid:
        errors = [schemas.FieldError(**e) for e in pydantic_errors(invalid, "item")]
        return errors, "", None
    document = item.debtor_document  # checked and normalised by ItemIn (api.types.Document)
    try:
        record = item_record(
            external_reference=item.external_reference,
            description=item.description,
            amount_cents=item.amount_cents,
            due_date=item.due_date,
            today=today,
            bureau_reported=item.bureau_reported,
        )
    except RecordInvalid as invalid:
        return [schemas.FieldError(**e) for e in field_errors(invalid)], document, None
    return [], document, record


def _own_item(reference: str) -> PendingItem:
    item = db.session.scalar(
        sa.select(PendingItem).where(
            PendingItem.creditor_id == g.creditor_id, PendingItem.external_reference == reference
        )
    )
    if item is None:
        abort(404)
    return item


@bp.get("/items")
@operation(
    "get",
    "/items",
    summary="List pending items (changed since, cursor-paginated)",
    tag="items",
    query=ItemListQuery,
    response=schemas.ItemList,
)
def list_items(query: ItemListQuery) -> object:
    statement = sa.select(PendingItem).where(PendingItem.creditor_id == g.creditor_id)
    if query.status:
        statement = statement.where(PendingItem.status == query.status)
    rows, next_cursor = page(
        statement,
        PendingItem.updated_at,
        PendingItem.id,
        updated_since=query.since(),
        cursor=query.cursor,
        limit=query.limit,
        session=db.session,
    )
    return schemas.ItemList(data=[present.item(r) for r in rows], next_cursor=next_cursor)


@bp.get("/items/<reference:reference>")
@operation(
    "get",
    "/items/<reference:reference>",
    summary="Get a pending item by external reference",
    tag="items",
    response=schemas.ItemOut,
    errors=(404,),
    path_params={"reference": "your external reference"},
)
def get_item(reference: str) -> object:
    return present.item(_own_item(reference))


@bp.patch("/items/<reference:reference>")
@operation(
    "patch",
    "/items/<reference:reference>",
    summary="Mark an item paid or cancelled outside the portal",
    tag="items",
    body=schemas.ItemStatusIn,
    response=schemas.ItemOut,
    errors=(404, 409),
    path_params={"reference": "your external reference"},
)
def update_item_status(reference: str, body: schemas.ItemStatusIn) -> object:
    """Refused (409) while the item is in an active agreement: cancel the agreement first."""
    item = _own_item(reference)
    try:
        set_item_status(db.session, item, body.status, actor=g.actor)
    except PortfolioError as refused:
        return rule_problem(refused.message, refused.status)
    return present.item(item)


@bp.post("/items/<reference>/bureau-removal")
@operation(
    "post",
    "/items/<reference>/bureau-removal",
    summary="Confirm that a paid item's credit-bureau record was removed",
    tag="items",
    body=schemas.BureauRemovalIn,
    response=schemas.ItemOut,
    errors=(404, 409, 422),
    path_params={"reference": "your external reference"},
)
def confirm_bureau_removal(reference: str, body: schemas.BureauRemovalIn) -> object:
    """For a paid item you reported to a credit bureau (``bureau_reported``): the debtor's
    tracker shows the removal as done, and your webhooks receive ``item.bureau_removed``.
    ``removed_on`` defaults to today (Brasília); it may not be in the future nor before the
    item's due date (422). Confirming again changes nothing (200 with the first date).
    409 ``not_reported`` or ``item_not_paid`` when there is nothing to remove yet."""
    item = _own_item(reference)
    today = today_br()
    try:
        confirm_removal(db.session, item, body.removed_on or today, actor=g.actor, today=today)
    except RemovalRefused as refused:
        return rule_problem(refused.message, refused.status)
    return present.item(item)
