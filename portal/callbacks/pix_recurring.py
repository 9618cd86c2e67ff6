"""Pix Automático notifications at ``/callbacks/pix`` (authenticated by ``pix.py`` first).

``{"recs": [...]}`` (webhookrec): each authorisation's new status is applied as reported
(approved, rejected, expired, cancelled and by whom). ``{"cobsr": [...]}`` (webhookcobr): each
charge is read again from the API (``GET /cobr/{txid}``) and reconciled exactly as the hourly
job does, so a notification and the job never apply a collection twice. One unit of work per
entry; a busy row answers 503 and the PSP retries.
"""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from flask import Response, jsonify, request

from portal.adapters.payments.base import ProviderError
from portal.adapters.payments.pix_api.recurring import recurring_notification
from portal.core.clock import now_utc, today_br
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.errors import problem
from portal.extensions import db
from portal.models import ActorType, PixRecurrence, RecurringCharge
from portal.services.payments import RetryLater
from portal.services.payments.recurring import apply_recurrence_report
from portal.services.payments.recurring_charges import reconcile_charge

log = logging.getLogger(__name__)


def receive_recurring(raw: bytes) -> Response | tuple[Response, int] | None:
    try:
        parsed = recurring_notification(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):
        return None  # not JSON: the Pix path answers 400
    except (ProviderError, KeyError, TypeError):  # a malformed entry
        log.warning("pix automático notification that could not be read")
        return problem(400, "Not an API Pix notification")
    if parsed is None:
        return None
    recs, txids = parsed
    actor = Actor(ActorType.PROVIDER, "pix_api", ip=request.remote_addr)
    outcomes: list[str] = []
    try:
        for reported in recs:
            with unit_of_work(db.session):
                row = db.session.scalar(
                    sa.select(PixRecurrence).where(
                        PixRecurrence.provider_ref == reported.provider_ref
                    )
                )
                changed = row is not None and apply_recurrence_report(
                    db.session, row, reported, actor=actor, now=now_utc()
                )
            outcomes.append("changed" if changed else ("unknown" if row is None else "same"))
        for txid in txids:
            with unit_of_work(db.session):
                charge = db.session.scalar(
                    sa.select(RecurringCharge).where(RecurringCharge.txid == txid)
                )
                action = (
                    reconcile_charge(db.session, charge, today=today_br(), now=now_utc())
                    if charge is not None
                    else "unknown"
                )
            outcomes.append(action)
    except RetryLater:
        return problem(503, "Busy, retry later"), 503
    return jsonify({"received": len(recs) + len(txids), "outcomes": outcomes})
