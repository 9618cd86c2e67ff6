"""Stripe's webhook: verified by its signature on the raw body, recorded once, applied once.

The event is recorded (one INSERT, unique on its id) and committed before the answer, so an
acknowledged event is never lost and a redelivery is a no-op; a worker applies it
(:mod:`portal.services.payments.inbox`). Without a worker (no broker) it is applied here, in
the same transaction, and the answer says the outcome; a busy payment then answers 503 (both
rolled back) and Stripe's retry applies it.
"""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, jsonify, request

from portal.adapters.payments.base import InvalidSignature
from portal.callbacks.blueprint import bp
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.errors import problem
from portal.extensions import csrf, db
from portal.services.payments import (
    RetryLater,
    applies_inline,
    apply_received,
    provider,
    receive_event,
)

log = logging.getLogger(__name__)


@bp.post("/stripe")
@csrf.exempt
def stripe_webhook() -> Response | tuple[Response, int]:
    """Verify the signature on the raw body, record the event once, answer fast."""
    payment_provider = provider()
    if payment_provider.name != "stripe":
        abort(404)
    payload = request.get_data(cache=False)
    try:
        event = payment_provider.parse_webhook(payload, dict(request.headers))
    except InvalidSignature:
        log.warning("stripe webhook with an invalid signature")
        return problem(400, "Invalid signature")
    inline = applies_inline()
    try:
        with unit_of_work(db.session):
            new = receive_event(db.session, "stripe", event, ip=request.remote_addr, now=now_utc())
            if event.payment is None or not inline:
                outcome = ("received" if event.payment else "ignored_type") if new else None
            else:  # no worker: applied in the same transaction (a failure undoes both)
                outcome = apply_received(db.session, "stripe", event.event_id, now=now_utc()).action
    except RetryLater:
        return problem(503, "Busy, retry later"), 503
    except Exception:
        current_app.logger.exception("stripe webhook failed; Stripe will retry")
        return problem(500, "Internal Server Error"), 500
    return jsonify({"received": True, "outcome": outcome or "duplicate_event"})
