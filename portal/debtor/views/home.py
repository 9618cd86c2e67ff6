"""Minhas pendências: every open item with the proved companies, itemised, grouped by
creditor, with a clear total (nothing of any other company, not even a count)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, render_template, session

from portal.auth.decorators import debtor_required
from portal.core.clock import today_br
from portal.debtor.blueprint import bp
from portal.debtor.scope import greeting_name, proved
from portal.domain.agreements import OPEN_STATES
from portal.extensions import db
from portal.models import Agreement, Creditor
from portal.services.negotiation import debtor_pendencias


@bp.get("/inicio")
@debtor_required
def home() -> str:
    debtor = g.debtor
    groups = debtor_pendencias(db.session, debtor, today_br(), proved())
    open_agreements = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Agreement)
        .where(
            Agreement.debtor_id == debtor.id,
            Agreement.creditor_id.in_(proved() or {-1}),
            Agreement.state.in_([state.value for state in OPEN_STATES]),
        )
    )
    creditor_id = session.get("creditor_id")
    if creditor_id in proved():
        g.creditor = db.session.get(Creditor, creditor_id)
    return render_template(
        "debtor/home/index.html",
        first_name=greeting_name(),
        groups=groups,
        total_cents=sum(group.total_cents for group in groups),
        open_agreements=open_agreements or 0,
    )
