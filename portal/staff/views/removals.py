"""Removals from the credit bureaus after payment (Súmula 548 STJ): the list of removals the
staff member's companies have not confirmed, the overdue ones first, and the confirmation
button (agents and admins)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import staff_required
from portal.core.clock import today_br
from portal.core.formatting import domain_message
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.models import PendingItem, StaffRole
from portal.services.negotiation import RemovalRefused, confirm_removal, unconfirmed_removals
from portal.staff.blueprint import bp
from portal.staff.company_forms import RemovalForm

FILTERS = ("atrasadas", "todas")


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    chosen = request.args.get("situacao", "atrasadas")
    if chosen not in FILTERS:
        chosen = "atrasadas"
    today = today_br()
    scope = g.staff.scope_ids()
    rows = unconfirmed_removals(db.session, scope, today, overdue_only=chosen == "atrasadas")
    return render_template(
        "staff/removals/index.html",
        rows=rows,
        chosen=chosen,
        today=today,
        error=error,
        can_confirm=g.staff.has_role(StaffRole.AGENT),
    ), status


@bp.get("/retiradas")
@staff_required(StaffRole.VIEWER)
def removals() -> tuple[str, int]:
    return _page()


@bp.post("/retiradas/<int:item_id>/confirmar")
@staff_required(StaffRole.AGENT)
def confirm_bureau_removal(item_id: int) -> Response | tuple[str, int]:
    scope = g.staff.scope_ids()
    statement = sa.select(PendingItem).where(PendingItem.id == item_id)
    if scope is not None:
        statement = statement.where(PendingItem.creditor_id.in_(scope or {-1}))
    item = db.session.scalar(statement)
    if item is None:
        abort(404)
    form = RemovalForm()
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        return _page(str(errors[0]) if errors else _("Confira a data."), 422)
    today = today_br()
    try:
        with unit_of_work(db.session):
            confirm_removal(
                db.session, item, form.removed_on.data, actor=request_actor(), today=today
            )
    except RemovalRefused as refused:
        return _page(domain_message(refused.message), 422 if refused.status == 422 else 409)
    flash(
        _(
            "Retirada da pendência %(ref)s confirmada. O devedor já vê a retirada como concluída.",
            ref=item.external_reference,
        ),
        "success",
    )
    return redirect(url_for("staff.removals", situacao=request.args.get("situacao")), code=303)
