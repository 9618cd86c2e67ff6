"""Step-up: send the one-time code for one act (accepting, cancelling, changing contact data).

One route for every act: the act is rebuilt on the server from its reference (see
``portal/debtor/step_up.py``), the code goes to a contact the company concerned has on file,
and the person returns to the page of the act, where the code is typed with the act's form.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import debtor_required
from portal.auth.limits import hit_identifier, ip_limit
from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.uow import transactional
from portal.debtor.blueprint import bp
from portal.debtor.step_up import BUILDERS, remember, send_form
from portal.extensions import db
from portal.http import request_actor, safe_next
from portal.models import Channel
from portal.services.access import Act, CodeUnavailable, send_step_up_code


@bp.post("/confirmacao/<act>/<ref>/codigo")
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def step_up_send(act: str, ref: str) -> Response:
    try:
        build = BUILDERS[Act(act)]
    except (ValueError, KeyError):
        abort(404)
    step = build(ref)  # 404 unless the session may do this act
    back = safe_next(request.form.get("next"), "/inicio")
    form = send_form(step)
    if not form.validate_on_submit():
        flash(_("Não há e-mail nem telefone seu com esta empresa para o código."), "error")
        return redirect(back, code=303)
    if not hit_identifier("RATELIMIT_CODE_REQUEST", f"debtor:{g.debtor.id}"):
        record_event(
            db.session, request_actor(), "code.request_limited", details={"debtor_id": g.debtor.id}
        )
        flash(_("Você pediu muitos códigos. Aguarde alguns minutos e tente de novo."), "warning")
        return redirect(back, code=303)
    try:
        code = send_step_up_code(
            db.session,
            g.debtor.id,
            step,
            channel=Channel(form.channel.data),
            ttl=timedelta(minutes=current_app.config["OTP_TTL_MINUTES"]),
            actor=request_actor(),
            now=now_utc(),
        )
    except CodeUnavailable:
        abort(404)
    remember(step, code.id)
    flash(
        _(
            "Enviamos o código. Ele vale por %(n)s minutos.",
            n=current_app.config["OTP_TTL_MINUTES"],
        ),
        "success",
    )
    return redirect(back, code=303)
