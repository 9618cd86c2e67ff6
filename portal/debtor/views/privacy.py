"""LGPD self-service ("Meus dados", arts. 18 and 19), one proved company at a time: what we
hold (and its download as JSON or PDF), a correction request, and which channels reminders
may use. Each act needs a fresh code sent to that company's contact (step-up); a verified
export code opens the downloads for :data:`EXPORT_WINDOW` in this session.
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import debtor_required
from portal.auth.limits import ip_limit
from portal.core.clock import BRASILIA, now_utc
from portal.core.uow import unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.privacy_forms import (
    CorrectionForm,
    ExportForm,
    PreferencesForm,
)
from portal.debtor.scope import require_proved
from portal.debtor.step_up import builder, consume, step_up_context
from portal.domain.regua_copy import Channel
from portal.extensions import db
from portal.http import request_actor
from portal.models import CreditorDebtor, DataRequestField
from portal.services.access import Act, StepUp, relationship
from portal.services.privacy import (
    FIELD_LABELS,
    FORMATS,
    debtor_requests,
    export_data,
    is_overdue,
    record_export,
    render_export_pdf,
    request_correction,
    set_preferences,
)
from portal.services.regua import Preference, preferences

EXPORT_WINDOW = timedelta(minutes=10)
_EXPORTS = "lgpd_exports"


def _wrong_code() -> str:
    return _("Código incorreto ou vencido. Confira a mensagem mais recente ou peça um novo código.")


def _rel(creditor_id: int) -> CreditorDebtor:
    require_proved(creditor_id)
    rel = relationship(db.session, creditor_id, g.debtor.id)
    if rel is None:
        abort(404)
    g.creditor = rel.creditor
    return rel


def _step(act: Act, rel: CreditorDebtor) -> StepUp:
    return StepUp(act, rel.creditor, act.value)


def _register(act: Act) -> None:
    @builder(act)
    def build(ref: str) -> StepUp:
        if not ref.isdigit():
            abort(404)
        return _step(act, _rel(int(ref)))


for _act in (Act.EXPORT, Act.CORRECTION, Act.PREFERENCES):
    _register(_act)


def _export_open(creditor_id: int) -> bool:
    until = session.get(_EXPORTS, {}).get(str(creditor_id))
    return bool(until) and now_utc().timestamp() < float(until)


@bp.get("/meus-dados/<int:creditor_id>/lgpd")
@debtor_required
def privacy(creditor_id: int) -> str:
    rel = _rel(creditor_id)
    today = now_utc().astimezone(BRASILIA).date()
    requests = debtor_requests(db.session, g.debtor.id, creditor_id)
    return render_template(
        "debtor/privacy/show.html",
        rel=rel,
        states=preferences(db.session, g.debtor.id, creditor_id),
        requests=[(r, is_overdue(r, today)) for r in requests],
        field_labels={f.value: label for f, label in FIELD_LABELS.items()},
        Preference=Preference,
    )


@bp.route("/meus-dados/<int:creditor_id>/exportar", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def privacy_export(creditor_id: int) -> Response | tuple[str, int]:
    rel = _rel(creditor_id)
    step = _step(Act.EXPORT, rel)
    form = ExportForm()
    status = 200
    if form.validate_on_submit():
        if consume(step, str(form.code.data)):
            exports = {k: v for k, v in session.get(_EXPORTS, {}).items() if k != str(creditor_id)}
            exports[str(creditor_id)] = (now_utc() + EXPORT_WINDOW).timestamp()
            session[_EXPORTS] = exports
            flash(_("Código confirmado. Seus arquivos estão prontos para baixar."), "success")
            return redirect(url_for("debtor.privacy_export", creditor_id=creditor_id), code=303)
        form.code.errors = [_wrong_code()]
    if form.is_submitted():
        status = 400
    back = url_for("debtor.privacy_export", creditor_id=creditor_id)
    return render_template(
        "debtor/privacy/export.html",
        form=form,
        rel=rel,
        ready=_export_open(creditor_id),
        minutes=int(EXPORT_WINDOW.total_seconds() // 60),
        step_up=step_up_context(step, str(creditor_id), back),
    ), status


@bp.get("/meus-dados/<int:creditor_id>/exportar/meus-dados.<fmt>")
@debtor_required
def privacy_download(creditor_id: int, fmt: str) -> Response:
    rel = _rel(creditor_id)
    if fmt not in FORMATS:
        abort(404)
    if not _export_open(creditor_id):
        flash(_("Para baixar seus dados, confirme com um novo código."), "warning")
        return redirect(url_for("debtor.privacy_export", creditor_id=creditor_id), code=303)
    now = now_utc()
    data = export_data(db.session, rel.creditor, g.debtor, now=now)
    body = (
        json.dumps(data, ensure_ascii=False, indent=2).encode()
        if fmt == "json"
        else render_export_pdf(data)
    )
    with unit_of_work(db.session):
        record_export(db.session, creditor_id, g.debtor.id, fmt, actor=request_actor())
    mimetype = "application/json" if fmt == "json" else "application/pdf"
    stamp = now.astimezone(BRASILIA).strftime("%Y-%m-%d")
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="meus-dados-{creditor_id}-{stamp}.{fmt}"'
    )
    return response


@bp.route("/meus-dados/<int:creditor_id>/correcao", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def privacy_correction(creditor_id: int) -> Response | tuple[str, int]:
    rel = _rel(creditor_id)
    step = _step(Act.CORRECTION, rel)
    form = CorrectionForm()
    status = 200
    if form.validate_on_submit():
        if consume(step, str(form.code.data)):
            with unit_of_work(db.session):
                request_correction(
                    db.session,
                    rel.creditor,
                    g.debtor,
                    DataRequestField(form.field.data),
                    str(form.details.data),
                    actor=request_actor(),
                    now=now_utc(),
                )
            flash(
                _(
                    "Pedido enviado a %(name)s. A empresa tem até 15 dias para responder.",
                    name=rel.creditor.display_name,
                ),
                "success",
            )
            return redirect(url_for("debtor.privacy", creditor_id=creditor_id), code=303)
        form.code.errors = [_wrong_code()]
    if form.is_submitted():
        status = 400
    back = url_for("debtor.privacy_correction", creditor_id=creditor_id)
    return render_template(
        "debtor/privacy/correction.html",
        form=form,
        rel=rel,
        step_up=step_up_context(step, str(creditor_id), back),
    ), status


@bp.route("/meus-dados/<int:creditor_id>/mensagens", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def privacy_preferences(creditor_id: int) -> Response | tuple[str, int]:
    rel = _rel(creditor_id)
    step = _step(Act.PREFERENCES, rel)
    states = preferences(db.session, g.debtor.id, creditor_id)
    form = PreferencesForm(
        data={channel.value: state is Preference.ON for channel, state in states.items()}
    )
    status = 200
    if form.validate_on_submit():
        if consume(step, str(form.code.data)):
            wanted = {channel: bool(form[channel.value].data) for channel in Channel}
            with unit_of_work(db.session):
                set_preferences(
                    db.session,
                    g.debtor,
                    creditor_id,
                    wanted,
                    actor=request_actor(),
                    now=now_utc(),
                )
            flash(_("Preferências salvas. Valem já para as próximas mensagens."), "success")
            return redirect(url_for("debtor.privacy", creditor_id=creditor_id), code=303)
        form.code.errors = [_wrong_code()]
    if form.is_submitted():
        status = 400
    back = url_for("debtor.privacy_preferences", creditor_id=creditor_id)
    return render_template(
        "debtor/privacy/preferences.html",
        form=form,
        rel=rel,
        states=states,
        Preference=Preference,
        step_up=step_up_context(step, str(creditor_id), back),
    ), status
