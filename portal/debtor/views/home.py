"""Minhas pendências: every open item with the proved companies, itemised, grouped by
creditor, with a clear total (nothing of any other company, not even a count)."""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from flask import g, render_template, session

from portal.auth.decorators import debtor_required
from portal.core.clock import today_br
from portal.debtor.blueprint import bp
from portal.debtor.dispute_forms import DelayReasonForm
from portal.debtor.scope import greeting_name, proved
from portal.extensions import db
from portal.models import Creditor
from portal.services.disputes import debtor_disputes, relationships_with_reasons
from portal.services.negotiation import debtor_home


@bp.get("/inicio")
@debtor_required
def home() -> str:
    debtor = g.debtor
    today = today_br()
    # Four statements in all, with the user loader's (tests/debtor/test_page_queries.py).
    dashboard = debtor_home(db.session, debtor, today, proved())
    groups = dashboard.groups
    disputes = debtor_disputes(db.session, debtor.id, proved())
    rels = relationships_with_reasons(db.session, debtor.id, proved())
    creditor_id = session.get("creditor_id")
    if creditor_id in proved():
        g.creditor = db.session.get(Creditor, creditor_id)
    tracked = dashboard.removals
    tracked.sort(key=lambda row: (row.item.creditor.display_name, row.item.creditor_id))
    removals = [
        (rows[0].item.creditor, rows)
        for _key, group in groupby(tracked, key=lambda row: row.item.creditor_id)
        if (rows := list(group))
    ]
    companies = (
        []
        if groups
        else list(
            db.session.scalars(
                sa.select(Creditor)
                .where(Creditor.id.in_(proved() or {-1}))
                .order_by(Creditor.trade_name, Creditor.id)
            )
        )
    )
    return render_template(
        "debtor/home/index.html",
        first_name=greeting_name([rel for rel, _reason in rels]),
        groups=groups,
        total_cents=sum(group.total_cents for group in groups),
        open_agreements=dashboard.open_agreements,
        disputes=disputes,
        delay_reasons={rel.creditor_id: reason for rel, reason in rels if reason is not None},
        delay_form=DelayReasonForm(),
        removals=removals,
        companies=companies,
    )
