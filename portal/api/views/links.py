"""Access links for a company's own reminders (SMS, WhatsApp, e-mail)."""

from __future__ import annotations

from flask import abort, current_app, g

from portal.api import schemas
from portal.api.blueprint import bp
from portal.api.spec import operation
from portal.core.clock import now_utc
from portal.core.tokens import reminder_link_url
from portal.domain.documents import normalise_document
from portal.extensions import db
from portal.models import Channel, Creditor, CreditorDebtor
from portal.services.access import issue_reminder_link, link_message
from portal.services.integration import known_debtor


@bp.post("/access-links")
@operation(
    "post",
    "/access-links",
    summary="Create an access link for a debtor, with a ready message",
    tag="access links",
    body=schemas.AccessLinkIn,
    response=schemas.AccessLinkOut,
    status=201,
    errors=(404,),
)
def create_access_link(body: schemas.AccessLinkIn) -> object:
    """The URL is returned once (we keep only its hash): send it in your reminder. Before any
    data the debtor confirms the first digits of their CPF or the birth date you sent. The link
    opens only what the debtor has with your company, never what they have with others. Use
    an ``Idempotency-Key`` so a retried call returns the same link instead of a second one."""
    try:
        document = normalise_document(body.debtor_document)[1]
    except ValueError:
        abort(404)
    debtor = known_debtor(db.session, g.creditor_id, document)
    if debtor is None:
        abort(404)
    creditor = db.session.get_one(Creditor, g.creditor_id)
    contact = db.session.get_one(CreditorDebtor, (creditor.id, debtor.id))
    link, token = issue_reminder_link(
        db.session,
        debtor,
        creditor,
        channel=Channel(body.channel),
        days=body.days,
        max_days=current_app.config["ACCESS_LINK_MAX_DAYS"],
        actor=g.actor,
        now=now_utc(),
    )
    url = reminder_link_url(token)
    return schemas.AccessLinkOut(
        id=link.id,
        url=url,
        channel=link.channel,
        expires_at=link.expires_at,
        message_text=link_message(
            link.channel,
            first_name=contact.first_name,
            creditor=creditor,
            url=url,
            expires_at=link.expires_at,
        ),
    )
