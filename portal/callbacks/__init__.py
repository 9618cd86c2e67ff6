"""Provider callbacks (webhooks): authenticated by signature, not by session or CSRF."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, jsonify, request

from portal.adapters.payments.base import InvalidSignature
from portal.errors import problem
from portal.extensions import csrf, db
from portal.models import ActorType
from portal.services.clock import now_utc
from portal.services.context import Actor
from portal.services.payments import RetryLater, process_event, provider

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
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
        outcome = process_event(db.session, "stripe", event, actor=actor, now=now_utc())
        db.session.commit()
    except RetryLater:
        db.session.rollback()
        return problem(503, "Busy, retry later"), 503
    except Exception:
        db.session.rollback()
        current_app.logger.exception("stripe webhook failed; Stripe will retry")
        return problem(500, "Internal Server Error"), 500
    return jsonify({"received": True, "outcome": outcome.action})


from portal.callbacks import twilio  # noqa: E402, F401  (Twilio status and replies)
