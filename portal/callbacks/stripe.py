"""Stripe's webhook: verified by its signature on the raw body, applied exactly once."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, jsonify, request

from portal.adapters.payments.base import InvalidSignature
from portal.callbacks.blueprint import bp
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.errors import problem
from portal.extensions import csrf, db
from portal.models import ActorType
from portal.services.payments import RetryLater, process_event, provider

log = logging.getLogger(__name__)


@bp.post("/stripe")
@csrf.exempt
def stripe_webhook() -> Response | tuple[Response, int]:
    """Verify the signature on the raw body, apply the event exactly once, answer fast."""
    payment_provider = provider()
    if payment_provider.name != "stripe":
        abort(404)
    payload = request.get_data(cache=False)
    try:
        event = payment_provider.parse_webhook(payload, dict(request.headers))
    except InvalidSignature:
        log.warning("stripe webhook with an invalid signature")
        return problem(400, "Invalid signature")
    actor = Actor(ActorType.PROVIDER, "stripe", ip=request.remote_addr)
    try:
        with unit_of_work(db.session):
            outcome = process_event(db.session, "stripe", event, actor=actor, now=now_utc())
    except RetryLater:
        return problem(503, "Busy, retry later"), 503
    except Exception:
        current_app.logger.exception("stripe webhook failed; Stripe will retry")
        return problem(500, "Internal Server Error"), 500
    return jsonify({"received": True, "outcome": outcome.action})
