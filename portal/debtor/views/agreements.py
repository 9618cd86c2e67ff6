"""Meus acordos: list, detail with each installment's status, documents, cancellation."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import debtor_required
from portal.core.clock import now_utc, today_br
from portal.core.uow import unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.forms import CancelForm
from portal.debtor.scope import own_agreement, proved
from portal.debtor.step_up import builder, consume, step_up_context
from portal.debtor.views.pix_automatico import automatico_context
from portal.domain.agreements import OPEN_STATES, installment_display
from portal.extensions import db
from portal.http import request_actor
from portal.models import Agreement, Document, DocumentStatus
from portal.services.access import Act, StepUp
from portal.services.documents import document_label, download_name
from portal.services.negotiation import agreement_removals, can_cancel, cancel_by_debtor
from portal.services.payments import being_confirmed, early_options, next_payable
from portal.services.policies import policy_of


@bp.get("/acordos")
@debtor_required
def agreements() -> str:
    rows = list(
        db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.debtor_id == g.debtor.id, Agreement.creditor_id.in_(proved() or {-1}))
            .order_by(Agreement.created_at.desc())
        )
    )
    today = today_br()
    next_due = {
        a.id: next((i for i in a.installments if not i.is_paid and i.status == "pending"), None)
        for a in rows
    }
    return render_template(
        "debtor/agreements/index.html",
        agreements=rows,
        next_due=next_due,
        today=today,
        open_states={s.value for s in OPEN_STATES},
    )


@bp.get("/acordos/<int:agreement_id>")
@debtor_required
def agreement(agreement_id: int) -> str:
    agreement = own_agreement(agreement_id)
    rule = policy_of(agreement.policy_version).breach
    today = today_br()
    rows = [
        (installment, *installment_display(installment.due_date, installment.is_paid, today, rule))
        for installment in agreement.installments
    ]
    documents = list(
        db.session.scalars(
            sa.select(Document).where(Document.agreement_id == agreement.id).order_by(Document.id)
        )
    )
    any_late = any(status.value == "late" for _i, status, _d in rows)
    payable = next_payable(agreement)
    return render_template(
        "debtor/agreements/show.html",
        agreement=agreement,
        rows=rows,
        documents=[(doc, document_label(doc)) for doc in documents],
        rule=rule,
        can_cancel=can_cancel(agreement),
        any_late=any_late,
        payable=payable,
        confirming=payable is not None and being_confirmed(db.session, payable),
        early=early_options(agreement, today),
        open_states={s.value for s in OPEN_STATES},
        removals=agreement_removals(agreement, today),
        **automatico_context(agreement),
    )


def _cancel_step(agreement: Agreement) -> StepUp:
    return StepUp(
        Act.CANCEL,
        agreement.creditor,
        f"agreement:{agreement.id}",
        agreement_id=agreement.id,
        amount_cents=agreement.total_cents,
    )


@builder(Act.CANCEL)
def _cancel_step_for(ref: str) -> StepUp:
    if not ref.isdigit():
        abort(404)
    return _cancel_step(own_agreement(int(ref)))


@bp.route("/acordos/<int:agreement_id>/cancelar", methods=["GET", "POST"])
@debtor_required
def cancel(agreement_id: int) -> Response | tuple[str, int]:
    """Cancelling has legal effect: the checkbox and a fresh code for exactly this agreement."""
    agreement = own_agreement(agreement_id)
    if not can_cancel(agreement):
        flash(
            _("Este acordo não pode mais ser cancelado pelo portal. Fale com a empresa."), "warning"
        )
        return redirect(url_for("debtor.agreement", agreement_id=agreement.id), code=303)
    step = _cancel_step(agreement)
    form = CancelForm()
    if form.validate_on_submit():
        if consume(step, str(form.code.data)):
            with unit_of_work(db.session):
                cancel_by_debtor(db.session, agreement, actor=request_actor(), now=now_utc())
            flash(_("Acordo cancelado. Suas pendências voltaram a ficar em aberto."), "success")
            return redirect(url_for("debtor.home"), code=303)
        form.code.errors = [
            _(
                "Código incorreto ou vencido. Confira a mensagem mais recente "
                "ou peça um novo código."
            )
        ]
    status = 400 if form.is_submitted() else 200
    back = url_for("debtor.cancel", agreement_id=agreement.id)
    return render_template(
        "debtor/agreements/cancel.html",
        agreement=agreement,
        form=form,
        step_up=step_up_context(step, str(agreement.id), back),
    ), status


@bp.get("/acordos/<int:agreement_id>/documentos/<int:document_id>")
@debtor_required
def document(agreement_id: int, document_id: int) -> Response | tuple[str, int]:
    """Sends a stored PDF; never renders one (rendering happens once, in a task)."""
    agreement = own_agreement(agreement_id)
    row = db.session.scalar(
        sa.select(Document)
        .where(Document.id == document_id, Document.agreement_id == agreement.id)
        .options(sa.orm.undefer(Document.content))
    )
    if row is None:
        abort(404)
    if row.status != DocumentStatus.READY or row.content is None:
        return render_template(
            "debtor/agreements/document-pending.html", agreement=agreement, document=row
        ), 202
    filename = download_name(row)
    response = Response(row.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
