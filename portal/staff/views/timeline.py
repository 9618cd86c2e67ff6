"""A debtor's complete history from the audit log, within the staff member's creditors,
newest first, a page at a time."""

from __future__ import annotations

from flask import g, render_template, request

from portal.auth.decorators import staff_required
from portal.extensions import db
from portal.services.backoffice import staff_names, timeline
from portal.staff import labels
from portal.staff.blueprint import bp
from portal.staff.views.debtors import debtor_or_404


@bp.get("/devedores/<int:debtor_id>/historico")
@staff_required()
def debtor_timeline(debtor_id: int) -> tuple[str, int]:
    debtor = debtor_or_404(debtor_id)
    page = request.args.get("pagina", default=1, type=int) or 1
    history = timeline(db.session, g.staff, debtor, page=page)
    return render_template(
        "staff/debtors/timeline.html",
        debtor=debtor,
        history=history,
        names=staff_names(db.session, history.events),
        labels=labels,
    ), 200
