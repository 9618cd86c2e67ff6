"""Debtors: upsert the caller's relationship by document; read it back.

A company sees and changes only its own relationship with a person (name, e-mail, phone,
birth date as *it* sent them); what other companies sent, or whether they know the person,
is never shown nor told.
"""

from __future__ import annotations

from flask import abort, g, url_for

from portal.api import present, schemas
from portal.api.blueprint import bp
from portal.api.problems import record_problem
from portal.api.spec import operation
from portal.core.clock import today_br
from portal.domain.records import RecordInvalid, debtor_record
from portal.extensions import db
from portal.models import CreditorDebtor
from portal.services.integration import upsert_debtors


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
    """201 when your company did not know this debtor yet, 200 when updated or unchanged.
    Only your company's data about the person is created or updated (and only you see it);
    fields you leave out keep what you sent before."""
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
    return present.debtor(outcome.contact, outcome.outcome.value), status, {"Location": location}


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
    """Your company's relationship with the debtor; 404 for a debtor you never pushed."""
    contact = db.session.get(CreditorDebtor, (g.creditor_id, debtor_id))
    if contact is None:
        abort(404)
    return present.debtor(contact)
