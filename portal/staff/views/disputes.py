"""Disputes opened by debtors: the open cases of the staff member's companies (most urgent
first), each case with its attachment, and the answer (agents and admins).

A case of another company is a 404. The attachment is served only to staff of the item's
company, as a download with the type read from its content when it arrived (never the
name the debtor gave it), and every download is audited.
"""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.decorators import staff_required
from portal.core.audit import record_event
from portal.core.clock import now_utc, today_br
from portal.core.uow import unit_of_work
from portal.domain.disputes import DisputeOutcome
from portal.extensions import db
from portal.http import request_actor
from portal.models import ItemDispute, StaffRole
from portal.services.disputes import (
    DisputeError,
    dispute_in_scope,
    disputes_in_scope,
    resolve_dispute,
)
from portal.staff.blueprint import bp
from portal.staff.dispute_forms import ResolveDisputeForm

_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def _case_or_404(dispute_id: int) -> ItemDispute:
    dispute = dispute_in_scope(db.session, g.staff, dispute_id)
    if dispute is None:
        abort(404)
    return dispute


@bp.get("/contestacoes")
@staff_required()
def disputes() -> str:
    return render_template(
        "staff/disputes/index.html",
        open_cases=disputes_in_scope(db.session, g.staff, open_only=True),
        answered=disputes_in_scope(db.session, g.staff, open_only=False),
        today=today_br(),
    )


def _case_page(
    dispute: ItemDispute, form: ResolveDisputeForm, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "staff/disputes/show.html", dispute=dispute, form=form, today=today_br()
    ), status


@bp.get("/contestacoes/<int:dispute_id>")
@staff_required()
def dispute_case(dispute_id: int) -> tuple[str, int]:
    return _case_page(_case_or_404(dispute_id), ResolveDisputeForm())


@bp.get("/contestacoes/<int:dispute_id>/anexo")
@staff_required()
def dispute_attachment(dispute_id: int) -> Response:
    dispute = _case_or_404(dispute_id)
    if dispute.attachment is None or dispute.attachment_type not in _EXTENSIONS:
        abort(404)
    with unit_of_work(db.session):
        record_event(
            db.session,
            request_actor(),
            "dispute.attachment_downloaded",
            subject=("pending_item", dispute.pending_item_id),
            creditor_id=dispute.creditor_id,
            details={"dispute_id": dispute.id, "size": dispute.attachment_size},
        )
    name = f"contestacao-{dispute.id}.{_EXTENSIONS[dispute.attachment_type]}"
    return Response(
        dispute.attachment,
        content_type=dispute.attachment_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store, max-age=0",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@bp.post("/contestacoes/<int:dispute_id>")
@staff_required(StaffRole.AGENT)
def resolve_case(dispute_id: int) -> BaseResponse | tuple[str, int]:
    dispute = _case_or_404(dispute_id)
    form = ResolveDisputeForm()
    if not dispute.is_open:
        return _case_page(dispute, form, 409)
    if not form.validate_on_submit():
        return _case_page(dispute, form, 400)
    outcome = DisputeOutcome(str(form.outcome.data))
    try:
        with unit_of_work(db.session):
            resolve_dispute(
                db.session,
                dispute,
                outcome,
                str(form.answer.data),
                staff=g.staff,
                actor=request_actor(),
                now=now_utc(),
                adjusted_amount_cents=form.amount.data,
            )
    except DisputeError as error:
        db.session.refresh(dispute)
        if error.reason == "amount":
            form.amount.errors = [
                _("Informe um valor menor que o original e maior que o já abatido.")
            ]
        elif error.reason == "answer_length":
            form.answer.errors = [_("Escreva a resposta com 5 a 1000 caracteres.")]
        else:
            return _case_page(dispute, form, 409)
        return _case_page(dispute, form, 400)
    flash(_("Contestação respondida. O devedor vê a resposta no portal."), "success")
    return redirect(url_for("staff.dispute_case", dispute_id=dispute.id), code=303)
