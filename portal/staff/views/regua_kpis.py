"""The régua funnel's CSV export on the KPI page (next to the KPI filters it reuses)."""

from __future__ import annotations

from flask import Response, abort, g
from flask_babel import gettext as _

from portal.auth.decorators import staff_required
from portal.core.audit import record_event
from portal.core.clock import today_br
from portal.core.csv_br import write_csv
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.services.backoffice import creditors_in_scope
from portal.services.regua.funnel import STAGES, funnel_rows_for_csv, regua_funnel
from portal.staff.blueprint import bp
from portal.staff.views.kpis import _form, _period, chosen_creditor
from portal.staff.views.regua_preview import STAGE_LABELS


@bp.get("/indicadores/regua.csv")
@staff_required()
def regua_funnel_csv() -> Response:
    creditors = creditors_in_scope(db.session, g.staff)
    creditor = chosen_creditor(creditors)
    if creditor is None:
        abort(404)
    period = _period(_form(creditors, creditor), today_br())
    if period is None:
        abort(400)
    funnel = regua_funnel(db.session, creditor.id, period)
    header = [_("Fase"), _("Passo"), _("Canal"), _("Variante")] + [
        str(STAGE_LABELS[s]) for s in STAGES
    ]
    body = write_csv(header, funnel_rows_for_csv(funnel))
    with unit_of_work(db.session):
        record_event(
            db.session,
            request_actor(),
            "kpi.exported",
            creditor_id=creditor.id,
            details={
                "report": "regua",
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            },
        )
    filename = f"regua-{creditor.id}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store, max-age=0",
        },
        content_type="text/csv; charset=utf-8",
    )
