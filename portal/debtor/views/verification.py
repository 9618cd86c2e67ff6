"""Step-up: a fresh one-time code before a legally relevant action (requirements.md A16).

The journey sends the debtor to ``debtor.verify`` with ``next``; once the code is confirmed
the session records the time (``portal.auth.session.step_up_age``) and the debtor returns.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import debtor_required
from portal.auth.limits import hit_identifier, ip_limit
from portal.auth.session import mark_step_up
from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.uow import transactional
from portal.debtor.blueprint import bp
from portal.debtor.forms import CodeForm, SendCodeForm
from portal.extensions import db
from portal.http import request_actor, safe_next
from portal.models import Channel, CodePurpose
from portal.services.access import (
    CodeUnavailable,
    available_channels,
    masked_destination,
    send_code,
    verify_code,
)


def _channels() -> list[Channel]:
    text = current_app.config["TEXT_MESSAGE_BACKEND"] != "none"
    return available_channels(g.debtor, text_messages=text)


def _send_form() -> SendCodeForm:
    form = SendCodeForm()
    labels = {Channel.EMAIL: _("E-mail"), Channel.SMS: _("SMS")}
    form.channel.choices = [
        SelectChoice(c.value, f"{labels[c]}: {masked_destination(g.debtor, c)}")
        for c in _channels()
    ]
    if form.channel.data is None and form.channel.choices:
        form.channel.data = form.channel.choices[0].value
    return form


@bp.get("/verificacao")
@debtor_required
def verify() -> str:
    if "next" in request.args or "step_up_next" not in session:
        session["step_up_next"] = safe_next(request.args.get("next"), url_for("debtor.home"))
    code_id = session.get("step_up_code")
    return render_template(
        "debtor/verification/index.html",
        send_form=_send_form(),
        code_form=CodeForm(formdata=None),
        code_sent=bool(code_id),
    )


@bp.post("/verificacao/enviar")
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def verify_send() -> Response | tuple[str, int]:
    form = _send_form()
    if not form.validate_on_submit():
        return render_template(
            "debtor/verification/index.html",
            send_form=form,
            code_form=CodeForm(formdata=None),
            code_sent=False,
        ), 400
    if not hit_identifier("RATELIMIT_CODE_REQUEST", f"debtor:{g.debtor.id}"):
        record_event(
            db.session, request_actor(), "code.request_limited", details={"debtor_id": g.debtor.id}
        )
        flash(_("Você pediu muitos códigos. Aguarde alguns minutos e tente de novo."), "warning")
        return redirect(url_for("debtor.verify", next=session.get("step_up_next")), code=303)
    try:
        code = send_code(
            db.session,
            g.debtor,
            purpose=CodePurpose.STEP_UP,
            channel=Channel(form.channel.data),
            ttl=timedelta(minutes=current_app.config["OTP_TTL_MINUTES"]),
            actor=request_actor(),
            now=now_utc(),
        )
    except CodeUnavailable:
        return render_template(
            "debtor/verification/index.html",
            send_form=form,
            code_form=CodeForm(formdata=None),
            code_sent=False,
        ), 400
    session["step_up_code"] = code.id
    flash(
        _(
            "Enviamos o código. Ele vale por %(n)s minutos.",
            n=current_app.config["OTP_TTL_MINUTES"],
        ),
        "success",
    )
    return redirect(url_for("debtor.verify", next=session.get("step_up_next")), code=303)


@bp.post("/verificacao")
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def verify_code_view() -> Response | tuple[str, int]:
    form = CodeForm()
    code_id = session.get("step_up_code")
    if form.validate_on_submit() and code_id:
        if verify_code(
            db.session,
            int(code_id),
            g.debtor.id,
            str(form.code.data),
            actor=request_actor(),
            now=now_utc(),
        ):
            session.pop("step_up_code", None)
            mark_step_up()
            return redirect(session.pop("step_up_next", None) or url_for("debtor.home"), code=303)
        form.code.errors = [
            _(
                "Código incorreto ou vencido. Confira a mensagem mais recente "
                "ou peça um novo código."
            )
        ]
    return render_template(
        "debtor/verification/index.html",
        send_form=_send_form(),
        code_form=form,
        code_sent=bool(code_id),
    ), 400
