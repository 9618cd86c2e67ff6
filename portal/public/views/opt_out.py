"""``/sair/<token>``: the opt-out link at the foot of every reminder e-mail.

The token is the message id signed with the app secret (``itsdangerous``): it opens no
account and shows nothing about the debtor. The GET shows a confirmation button and changes
nothing — mail scanners follow links, and must not unsubscribe anyone; the POST (with CSRF)
records the opt-out for e-mail, for every company, at once.
"""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from portal.auth.limits import ip_limit
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.domain.regua_copy import Channel
from portal.extensions import db
from portal.models import ActorType, OptOutSource, ReminderMessage
from portal.public.blueprint import bp


def _page(template: str, status: int = 200, **context: object) -> tuple[Response, int]:
    from flask import make_response

    response = make_response(render_template(f"public/opt_out/{template}", **context), status)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response, status


@bp.route("/sair/<token>", methods=["GET", "POST"])
@ip_limit("RATELIMIT_AUTH_IP")
def reminder_opt_out(token: str) -> tuple[Response, int]:
    from portal.services.regua.optouts import opt_out
    from portal.services.regua.texts import message_id_from_token

    message_id = message_id_from_token(token[:200])
    message = db.session.get(ReminderMessage, message_id) if message_id else None
    if message is None:
        return _page("invalid.html", 404)
    creditor = message.creditor_id
    if request.method == "GET":
        return _page("confirm.html")
    from portal.models import Debtor

    debtor = db.session.get(Debtor, message.debtor_id)
    assert debtor is not None  # noqa: S101 - a message always has its debtor
    actor = Actor(ActorType.DEBTOR, str(debtor.id), ip=request.remote_addr)
    with unit_of_work(db.session):
        opt_out(
            db.session,
            debtor,
            Channel.EMAIL,
            source=OptOutSource.MESSAGE,
            actor=actor,
            now=now_utc(),
            message=message,
            creditor_id=creditor,
        )
    return _page("done.html")
