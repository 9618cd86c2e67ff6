""" "Não reconheço esta pendência" (open a dispute, follow it until the company answers) and
"Motivo do atraso" (recorded for the company, changes nothing else).

Only items of companies the session proved (anything else is a 404, like a row that does
not exist). The attachment is read up to 5 MB and one byte, and checked by its content in
the service; a refused file is a 400 with a pt-BR message, never a 5xx.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from portal.auth.decorators import debtor_required
from portal.core.clock import now_utc, today_br
from portal.core.formatting import date_br
from portal.core.uow import unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.dispute_forms import DelayReasonForm, DisputeForm
from portal.debtor.scope import proved, require_proved
from portal.domain.disputes import (
    MAX_ATTACHMENT_BYTES,
    AttachmentProblem,
    AttachmentRefused,
    DelayReason,
    DisputeReason,
)
from portal.extensions import db
from portal.http import request_actor
from portal.models import ItemStatus, PendingItem
from portal.services.access import relationship
from portal.services.disputes import (
    DisputeError,
    debtor_dispute,
    open_dispute,
    open_dispute_ids,
    record_delay_reason,
)


def _own_item(item_id: int) -> PendingItem:
    item = db.session.get(PendingItem, item_id)
    if item is None or item.debtor_id != g.debtor.id or item.creditor_id not in proved():
        abort(404)
    g.creditor = item.creditor
    return item


def _attachment(form: DisputeForm) -> bytes | None:
    upload = form.attachment.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    return upload.stream.read(MAX_ATTACHMENT_BYTES + 1)


def _attachment_error(problem: AttachmentProblem) -> str:
    if problem is AttachmentProblem.TOO_LARGE:
        return _("O arquivo tem mais de 5 MB. Envie um arquivo menor ou tire uma foto.")
    if problem is AttachmentProblem.EMPTY:
        return _("O arquivo está vazio. Escolha outro arquivo.")
    return _(
        "Só aceitamos arquivos PDF, JPEG ou PNG. O arquivo enviado não é de nenhum desses tipos."
    )


def _page(item: PendingItem, form: DisputeForm, status: int = 200) -> tuple[str, int]:
    return render_template("debtor/disputes/new.html", item=item, form=form), status


@bp.route("/pendencias/<int:item_id>/nao-reconheco", methods=["GET", "POST"])
@debtor_required
def dispute_item(item_id: int) -> Response | tuple[str, int]:
    item = _own_item(item_id)
    if item.status != ItemStatus.OPEN:
        case = open_dispute_ids(db.session, [item.id]).get(item.id)
        if case is None:
            abort(404)
        return redirect(url_for("debtor.dispute_status", dispute_id=case), code=303)
    form = DisputeForm()
    if not form.validate_on_submit():
        return _page(item, form, 400 if form.is_submitted() else 200)
    try:
        with unit_of_work(db.session):
            dispute = open_dispute(
                db.session,
                item,
                DisputeReason(str(form.reason.data)),
                str(form.details.data or ""),
                attachment=_attachment(form),
                actor=request_actor(),
                now=now_utc(),
                today=today_br(),
            )
    except AttachmentRefused as refused:
        form.attachment.errors = [_attachment_error(refused.problem)]
        return _page(item, form, 400)
    except DisputeError:
        db.session.refresh(item)
        flash(_("Esta pendência não está mais em aberto e não pode ser contestada."), "warning")
        return redirect(url_for("debtor.home"), code=303)
    flash(
        _(
            "Recebemos sua contestação. A empresa vai analisar e responder até %(date)s.",
            date=date_br(dispute.due_on),
        ),
        "success",
    )
    return redirect(url_for("debtor.dispute_status", dispute_id=dispute.id), code=303)


@bp.get("/contestacoes/<int:dispute_id>")
@debtor_required
def dispute_status(dispute_id: int) -> str:
    dispute = debtor_dispute(db.session, dispute_id, g.debtor.id, proved())
    if dispute is None:
        abort(404)
    g.creditor = dispute.creditor
    return render_template("debtor/disputes/show.html", dispute=dispute, today=today_br())


@bp.post("/empresas/<int:creditor_id>/motivo-atraso")
@debtor_required
def delay_reason(creditor_id: int) -> Response:
    require_proved(creditor_id)
    if relationship(db.session, creditor_id, g.debtor.id) is None:
        abort(404)
    form = DelayReasonForm()
    back = redirect(url_for("debtor.home", _anchor=f"creditor-{creditor_id}"), code=303)
    if not form.validate_on_submit():
        if form.csrf_token.errors or request.form.get("reason"):
            abort(400)  # a forged or stale form, or a value the page never offered
        flash(_("Escolha um motivo antes de salvar."), "warning")
        return back
    with unit_of_work(db.session):
        record_delay_reason(
            db.session,
            creditor_id,
            g.debtor.id,
            DelayReason(str(form.reason.data)),
            actor=request_actor(),
            now=now_utc(),
        )
    flash(_("Obrigado por contar. Isso ajuda a empresa a entender sua situação."), "success")
    return back
