"""The API Pix webhook: the PSP's notifications of received Pix and final devoluções.

The API Pix signs nothing: the BCB's standard authenticates the PSP by **mutual TLS**, which the
reverse proxy terminates (it asks for and verifies the PSP's client certificate on this path;
docs/payments.md shows the configuration). In the app, on top of that, the request must
carry the secret of ``PIX_API_WEBHOOK_SECRET`` in its path and/or come from an address of
``PIX_API_WEBHOOK_ALLOWED_IPS`` (production requires at least one; both are checked when both
are set). Anything else gets 404 (wrong or missing secret) or 403 (address), and changes nothing.

Pix Automático's ``{"recs": [...]}`` and ``{"cobsr": [...]}`` (register the same URL with
``PUT /webhookrec`` and ``PUT /webhookcobr``) go to ``pix_recurring.py``.

The PSP posts ``{"pix": [...]}`` to ``<registered webhookUrl>/pix``: register
``https://<portal>/callbacks/pix/<secret>`` and both that and ``…/<secret>/pix`` are served.
Each ``pix`` entry (and each devolução in a final status) is applied exactly once through
``process_event``, in its own unit of work; if one is busy the answer is 503 and the PSP's retry
finds the others already recorded.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Response, abort, current_app, jsonify, request

from portal.adapters.payments.base import InvalidSignature
from portal.adapters.payments.pix_api import PixApiProvider
from portal.callbacks.blueprint import bp
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.errors import problem
from portal.extensions import csrf, db
from portal.models import ActorType
from portal.services.payments import RetryLater, process_event, provider

log = logging.getLogger(__name__)


def _authenticated(secret: str | None) -> PixApiProvider:
    payment_provider = provider()
    if not isinstance(payment_provider, PixApiProvider):
        abort(404)
    config = current_app.config
    expected = config.get("PIX_API_WEBHOOK_SECRET")
    wanted = expected is not None or secret is not None
    if wanted and not (expected and secret and hmac.compare_digest(expected, secret)):
        log.warning("pix webhook with a wrong or missing path secret")
        abort(404)
    allowed = config.get("PIX_API_WEBHOOK_ALLOWED_IPS") or ()
    if allowed:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            address = None
        if address is None or not any(address in ipaddress.ip_network(n) for n in allowed):
            log.warning("pix webhook from an address outside PIX_API_WEBHOOK_ALLOWED_IPS")
            abort(problem(403, "Forbidden"))
    return payment_provider


@bp.post("/pix")
@bp.post("/pix/pix")
@csrf.exempt
def pix_webhook_by_address() -> Response | tuple[Response, int]:
    """Without a path secret: only with the allow-list (and never when a secret is set)."""
    return _receive(None)


@bp.post("/pix/<secret>")
@bp.post("/pix/<secret>/pix")
@bp.post("/pix/<secret>/rec")
@bp.post("/pix/<secret>/cobr")
@csrf.exempt
def pix_webhook(secret: str) -> Response | tuple[Response, int]:
    return _receive(secret)


def _recurring(raw: bytes) -> Response | tuple[Response, int] | None:
    """A Pix Automático notification (``webhookrec``/``webhookcobr``), else ``None``."""
    from portal.callbacks.pix_recurring import receive_recurring

    return receive_recurring(raw)


def _receive(secret: str | None) -> Response | tuple[Response, int]:
    """Authenticate, then apply every Pix of the notification exactly once."""
    pix_provider = _authenticated(secret)
    recurring = _recurring(request.get_data(cache=True))
    if recurring is not None:
        return recurring
    try:
        events = pix_provider.parse_webhook_batch(request.get_data(cache=False))
    except InvalidSignature as exc:
        log.warning("pix webhook with a body that is not a notification: %s", exc)
        return problem(400, "Not an API Pix notification")
    actor = Actor(ActorType.PROVIDER, "pix_api", ip=request.remote_addr)
    outcomes = []
    for event in events:
        try:
            with unit_of_work(db.session):
                outcome = process_event(db.session, "pix_api", event, actor=actor, now=now_utc())
        except RetryLater:
            return problem(503, "Busy, retry later"), 503
        except Exception:
            current_app.logger.exception("pix webhook failed; the PSP will retry")
            return problem(500, "Internal Server Error"), 500
        outcomes.append(outcome.action)
    return jsonify({"received": len(events), "outcomes": outcomes})
