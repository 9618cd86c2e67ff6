"""The sandbox's stand-in for the payer's bank app approving a Pix Automático authorisation
(embedded default only). The answer goes through the same service as the API Pix's
``webhookrec`` notification (``apply_recurrence_report``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, url_for
from werkzeug.wrappers import Response

from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.models import ActorType, PixRecurrence
from portal.services.payments import provider
from portal.services.payments.recurring import apply_recurrence_report

ACTOR = Actor(ActorType.PROVIDER, "sandbox")


def register_recurring(bp: Blueprint) -> None:
    """Add the stand-in's route to the sandbox blueprint."""
    bp.add_url_rule(
        "/rec/<ref>/aprovar", "approve_recurrence", approve_recurrence, methods=["POST"]
    )


def approve_recurrence(ref: str) -> Response:
    recurrence = db.session.scalar(
        sa.select(PixRecurrence).where(PixRecurrence.provider_ref == ref)
    )
    if recurrence is None:
        abort(404)
    with unit_of_work(db.session):
        reported = provider().simulate_recurrence_answer(ref, True)  # type: ignore[attr-defined]
        apply_recurrence_report(db.session, recurrence, reported, actor=ACTOR, now=now_utc())
    return redirect(url_for("debtor.agreement", agreement_id=recurrence.agreement_id), code=303)
