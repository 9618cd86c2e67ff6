"""Debtors: upsert by document; read one the key's creditor knows."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, url_for

from portal.api import present, schemas
from portal.api.blueprint import bp
from portal.api.problems import record_problem
from portal.api.spec import operation
from portal.core.clock import today_br
from portal.domain.records import RecordInvalid, debtor_record
from portal.extensions import db
from portal.models import Debtor
from portal.services.integration import known_debtor_clause, upsert_debtors


@bp.post("/debtors")
@operation(
    "post",
    "/debtors",
    summary="Create or update a debtor by CPF/CNPJ",
    tag="debtors",
    body=schemas.DebtorIn,
    response=schemas.DebtorOut,
    status=200,
    also=(201,),
)
def upsert_debtor(body: schemas.DebtorIn) -> object:
    """201 when created, 200 when updated or unchanged. Contact data already sent by another
    company is not overwritten, only completed."""
    try:
        record = debtor_record(
            document=body.document,
            name=body.name,
            email=body.email,
            phone=body.phone,
            birth_date=body.birth_date,
            today=today_br(),
        )
    except RecordInvalid as invalid:
        return record_problem(invalid)
    outcome = upsert_debtors(db.session, g.creditor_id, [record], actor=g.actor)[record.document]
    status = 201 if outcome.outcome == "created" else 200
    location = url_for("api.get_debtor", debtor_id=outcome.debtor.id)
    return present.debtor(outcome.debtor, outcome.outcome.value), status, {"Location": location}


@bp.get("/debtors/<int:debtor_id>")
@operation(
    "get",
    "/debtors/<int:debtor_id>",
    summary="Get a debtor",
    tag="debtors",
    response=schemas.DebtorOut,
    errors=(404,),
)
def get_debtor(debtor_id: int) -> object:
    debtor = db.session.scalar(
        sa.select(Debtor).where(Debtor.id == debtor_id, known_debtor_clause(g.creditor_id))
    )
    if debtor is None:
        abort(404)
    return present.debtor(debtor)
