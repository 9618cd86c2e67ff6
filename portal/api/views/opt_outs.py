"""A debtor's reminder opt-outs, recorded by the company on the debtor's behalf.

A company that hears "stop sending me messages" on its own channels records it here; it
covers every company, like an opt-out from a message. Only debtors the key's creditor
knows (404 otherwise). Recording one twice answers 200 with the existing record. The list
shows the opt-outs that stop this company's messages: those for every company and those the
debtor made for this company alone on their privacy page (``scope: "company"``), never
another company's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from flask import abort, g
from pydantic import BaseModel

from portal.api.blueprint import bp
from portal.api.schemas import Strict
from portal.api.spec import operation
from portal.core.clock import now_utc
from portal.domain.regua_copy import Channel
from portal.extensions import db
from portal.models import Debtor, OptOutSource, ReminderOptOut
from portal.services.integration.portfolio import known_debtor_clause


class OptOutIn(Strict):
    channel: Literal["email", "sms", "whatsapp"]


class OptOutOut(BaseModel):
    channel: Literal["email", "sms", "whatsapp"]
    source: Literal["message", "lgpd", "api", "staff"]
    scope: Literal["all_companies", "company"]
    created_at: datetime


class OptOutList(BaseModel):
    data: list[OptOutOut]


def _debtor(debtor_id: int) -> Debtor:
    debtor = db.session.scalar(
        sa.select(Debtor).where(Debtor.id == debtor_id, known_debtor_clause(g.creditor_id))
    )
    if debtor is None:
        abort(404)
    return debtor


def _present(row: ReminderOptOut) -> OptOutOut:
    return OptOutOut(
        channel=row.channel,  # type: ignore[arg-type]
        source=row.source,  # type: ignore[arg-type]
        scope="company" if row.scope_creditor_id is not None else "all_companies",
        created_at=row.created_at,
    )


def _rows(debtor_id: int) -> list[ReminderOptOut]:
    return list(
        db.session.scalars(
            sa.select(ReminderOptOut)
            .where(
                ReminderOptOut.debtor_id == debtor_id,
                sa.or_(
                    ReminderOptOut.scope_creditor_id.is_(None),
                    ReminderOptOut.scope_creditor_id == g.creditor_id,
                ),
            )
            .order_by(ReminderOptOut.channel, ReminderOptOut.id)
        )
    )


@bp.post("/debtors/<int:debtor_id>/opt-outs")
@operation(
    "post",
    "/debtors/<int:debtor_id>/opt-outs",
    summary="Stop reminders to a debtor on one channel",
    tag="debtors",
    body=OptOutIn,
    response=OptOutOut,
    status=201,
    also=(200,),
    errors=(404,),
)
def create_opt_out(debtor_id: int, body: OptOutIn) -> object:
    """201 when recorded now, 200 when it already was. Honoured from the next message on."""
    from portal.services.regua.optouts import opt_out

    debtor = _debtor(debtor_id)
    created = opt_out(
        db.session,
        debtor,
        Channel(body.channel),
        source=OptOutSource.API,
        actor=g.actor,
        now=now_utc(),
        creditor_id=g.creditor_id,
    )
    row = next(
        r for r in _rows(debtor.id) if r.channel == body.channel and r.scope_creditor_id is None
    )
    return _present(row), 201 if created else 200


@bp.get("/debtors/<int:debtor_id>/opt-outs")
@operation(
    "get",
    "/debtors/<int:debtor_id>/opt-outs",
    summary="List a debtor's reminder opt-outs",
    tag="debtors",
    response=OptOutList,
    errors=(404,),
)
def list_opt_outs(debtor_id: int) -> object:
    debtor = _debtor(debtor_id)
    return OptOutList(data=[_present(r) for r in _rows(debtor.id)])
