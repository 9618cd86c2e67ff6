"""Twilio's callbacks: delivery status of our messages, and replies (SAIR = opt-out).

Both are verified with ``X-Twilio-Signature`` (Twilio's ``RequestValidator``) against the
public URL built from ``BASE_URL`` — never from the Host header, which a proxy may rewrite —
and the form parameters; an unsigned or wrongly signed request gets 403 and changes nothing.
Without a Twilio provider configured the endpoints do not exist (404).
"""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, request

from portal.adapters.messaging.twilio import TwilioTextProvider
from portal.callbacks.blueprint import bp
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.domain.regua_copy import Channel
from portal.errors import problem
from portal.extensions import csrf, db
from portal.models import ActorType

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _verified_provider() -> TwilioTextProvider:
    provider = current_app.extensions.get("text_provider")
    if not isinstance(provider, TwilioTextProvider):
        abort(404)
    url = f"{current_app.config['BASE_URL']}{request.path}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not provider.valid_callback(url, request.form.to_dict(), signature):
        log.warning("twilio callback with an invalid signature")
        abort(problem(403, "Invalid signature"))
    return provider


@bp.post("/twilio/status")
@csrf.exempt
def twilio_status() -> Response | tuple[Response, int]:
    _verified_provider()
    from portal.services.regua.status import apply_status

    sid = request.form.get("MessageSid", "")
    status = request.form.get("MessageStatus", "")
    if not sid or not status:
        return problem(400, "MessageSid and MessageStatus are required")
    actor = Actor(ActorType.PROVIDER, "twilio", ip=request.remote_addr)
    with unit_of_work(db.session):
        outcome = apply_status(
            db.session,
            sid,
            status,
            error_code=request.form.get("ErrorCode") or None,
            actor=actor,
            now=now_utc(),
        )
    return Response(status=204, headers={"X-Outcome": outcome})


@bp.post("/twilio/inbound")
@csrf.exempt
def twilio_inbound() -> Response:
    _verified_provider()
    from portal.domain.records import normalise_phone
    from portal.services.regua.optouts import is_stop_word, opt_out_by_phone

    sender = request.form.get("From", "")
    channel = Channel.WHATSAPP if sender.startswith("whatsapp:") else Channel.SMS
    body = request.form.get("Body", "")
    if is_stop_word(body) or request.form.get("OptOutType", "").upper() == "STOP":
        try:
            phone = normalise_phone(sender.removeprefix("whatsapp:"))
        except ValueError:
            phone = None
        if phone is not None:
            actor = Actor(ActorType.PROVIDER, "twilio", ip=request.remote_addr)
            with unit_of_work(db.session):
                opt_out_by_phone(db.session, phone, channel, actor=actor, now=now_utc())
    # No automatic reply: Twilio's own opt-out confirmation (if enabled) answers STOP.
    return Response(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
