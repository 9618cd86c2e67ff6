"""KPIs of one creditor for one period: figures, charts with their tables, and a CSV.

Only creditors in the staff member's scope; any other id answers 404. The period is a
range of Brasília days typed as dd/mm/aaaa, by default the last 30 days.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import staff_required
from portal.core.audit import record_event
from portal.core.clock import today_br
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.models import Creditor
from portal.services.backoffice import (
    MAX_PERIOD_DAYS,
    Period,
    creditor_in_scope,
    creditor_kpis,
    creditors_in_scope,
)
from portal.services.negotiation import overdue_removal_count
from portal.staff.blueprint import bp
from portal.staff.kpi_export import kpi_charts, kpi_csv, number, segment_labels
from portal.staff.report_forms import KpiFilterForm
from portal.staff.views.regua_preview import kpi_context


def chosen_creditor(creditors: list[Creditor]) -> Creditor | None:
    """The ``credor`` asked for (404 outside the scope), else the first one in scope."""
    raw = request.args.get("credor", "").strip()
    if not raw:
        return creditors[0] if creditors else None
    if not raw.isdigit():
        abort(404)
    creditor = creditor_in_scope(db.session, g.staff, int(raw))
    if creditor is None:
        abort(404)
    return creditor


def _period(form: KpiFilterForm, today: date) -> Period | None:
    """The period asked for, or None with the errors on the form."""
    form.validate()
    default = Period.last_days(today)
    if form.inicio.errors or form.fim.errors:
        return None
    start = form.inicio.data or default.start
    end = form.fim.data or (max(start, default.end) if form.inicio.data else default.end)
    if end < start:
        form.fim.errors = [_("A data final vem depois da inicial.")]
        return None
    if (end - start).days >= MAX_PERIOD_DAYS:
        form.fim.errors = [_("Escolha um período de até %(n)s dias.", n=MAX_PERIOD_DAYS)]
        return None
    form.inicio.data, form.fim.data = start, end
    form.inicio.raw_data = form.fim.raw_data = None
    return Period(start, end)


def _form(creditors: list[Creditor], creditor: Creditor | None) -> KpiFilterForm:
    form = KpiFilterForm(request.args)
    form.credor.choices = [SelectChoice(c.id, c.display_name) for c in creditors]
    if creditor is not None:
        form.credor.data = creditor.id
    return form


@bp.get("/indicadores")
@staff_required()
def kpis() -> tuple[str, int]:
    creditors = creditors_in_scope(db.session, g.staff)
    creditor = chosen_creditor(creditors)
    form = _form(creditors, creditor)
    period = _period(form, today_br())
    report, csv_url, regua, overdue = None, None, {}, None
    if creditor is not None and period is not None:
        report = creditor_kpis(db.session, creditor, period)
        overdue = overdue_removal_count(db.session, {creditor.id}, today_br())
        regua = kpi_context(creditor.id, period)
        csv_url = url_for(
            "staff.kpis_csv",
            credor=creditor.id,
            inicio=period.start.strftime("%d/%m/%Y"),
            fim=period.end.strftime("%d/%m/%Y"),
        )
    return render_template(
        "staff/kpis/index.html",
        form=form,
        creditor=creditor,
        report=report,
        charts=kpi_charts(report) if report else [],
        segment_labels=segment_labels,
        number=number,
        csv_url=csv_url,
        overdue_removals=overdue,
        **regua,
    ), 200 if period is not None else 400


@bp.get("/indicadores.csv")
@staff_required()
def kpis_csv() -> Response | tuple[str, int]:
    creditors = creditors_in_scope(db.session, g.staff)
    creditor = chosen_creditor(creditors)
    if creditor is None:
        abort(404)
    form = _form(creditors, creditor)
    period = _period(form, today_br())
    if period is None:
        return kpis()
    report = creditor_kpis(db.session, creditor, period)
    body = kpi_csv(report)
    with unit_of_work(db.session):
        record_event(
            db.session,
            request_actor(),
            "kpi.exported",
            creditor_id=creditor.id,
            details={"start": period.start.isoformat(), "end": period.end.isoformat()},
        )
    filename = f"indicadores-{creditor.id}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store, max-age=0",
        },
        content_type="text/csv; charset=utf-8",
    )
