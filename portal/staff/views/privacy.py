"""The LGPD queue: debtors' correction requests to the staff member's companies, the nearest
15-day deadline first (overdue ones highlighted), and "concluir" with the answer the debtor
reads. Viewers see the queue; agents and admins answer. Outside the staff member's companies
a request is a 404.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import staff_required
from portal.core.clock import BRASILIA, now_utc
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.models import DataRequest, DataRequestStatus, StaffRole
from portal.services.privacy import (
    FIELD_LABELS,
    RequestError,
    complete_request,
    is_overdue,
    request_in_scope,
    staff_queue,
)
from portal.staff.blueprint import bp
from portal.staff.privacy_forms import CompleteRequestForm


def _scope() -> list[int] | None:
    ids = g.staff.scope_ids()
    return None if ids is None else sorted(ids)


def _today() -> date:
    return now_utc().astimezone(BRASILIA).date()


@bp.get("/lgpd")
@staff_required(StaffRole.VIEWER)
def privacy_queue() -> str:
    status = DataRequestStatus.DONE if request.args.get("situacao") == "respondidos" else None
    rows = staff_queue(db.session, _scope(), status or DataRequestStatus.OPEN, _today())
    return render_template(
        "staff/privacy/index.html",
        rows=rows,
        done=status is not None,
        overdue=sum(1 for r in rows if r.overdue),
        field_labels={f.value: label for f, label in FIELD_LABELS.items()},
    )


def _request_or_404(request_id: int) -> DataRequest:
    row = request_in_scope(db.session, request_id, _scope())
    if row is None:
        abort(404)
    return row


def _render(row: DataRequest, form: CompleteRequestForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/privacy/show.html",
        row=row,
        form=form,
        overdue=is_overdue(row, _today()),
        field_labels={f.value: label for f, label in FIELD_LABELS.items()},
        can_answer=g.staff.has_role(StaffRole.AGENT),
    ), status


@bp.get("/lgpd/<int:request_id>")
@staff_required(StaffRole.VIEWER)
def privacy_request(request_id: int) -> tuple[str, int]:
    return _render(_request_or_404(request_id), CompleteRequestForm())


@bp.post("/lgpd/<int:request_id>/concluir")
@staff_required(StaffRole.AGENT)
def privacy_complete(request_id: int) -> Response | tuple[str, int]:
    row = _request_or_404(request_id)
    form = CompleteRequestForm()
    if not form.validate_on_submit():
        return _render(row, form, 400)
    try:
        with unit_of_work(db.session):
            done = complete_request(
                db.session,
                row,
                str(form.answer.data),
                staff=g.staff,
                actor=request_actor(),
                now=now_utc(),
            )
    except RequestError:
        form.answer.errors = [_("Escreva a resposta para o devedor.")]
        return _render(row, form, 400)
    if done:
        flash(_("Pedido concluído. O devedor vê a resposta em Meus dados."), "success")
    else:
        flash(_("Este pedido já tinha sido concluído."), "warning")
    return redirect(url_for("staff.privacy_queue"), code=303)
