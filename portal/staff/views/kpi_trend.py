"""KPIs week by week for one creditor: a chart per figure (with its table) and a CSV.

The period is typed as on the KPI page (dd/mm/aaaa); by default the last 12 weeks. Only
creditors in the staff member's scope (404 otherwise).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Response, abort, g, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import staff_required
from portal.core.audit import record_event
from portal.core.clock import today_br
from portal.core.csv_br import cents_br, decimal_br, write_csv
from portal.core.formatting import brl, date_br, percent
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.services.backoffice import (
    MAX_PERIOD_DAYS,
    MAX_TREND_WEEKS,
    Period,
    WeekKpis,
    creditors_in_scope,
    default_trend_period,
    weekly_kpis,
    weeks_of,
)
from portal.staff.blueprint import bp
from portal.staff.charts import BarChart, bar_chart
from portal.staff.report_forms import KpiFilterForm
from portal.staff.views.kpis import chosen_creditor


def _period(form: KpiFilterForm) -> Period | None:
    form.validate()
    if form.inicio.errors or form.fim.errors:
        return None
    default = default_trend_period(today_br())
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


def week_label(week: Period) -> str:
    return _("%(start)s a %(end)s", start=date_br(week.start), end=date_br(week.end))


def _hundredths(value: Decimal | None) -> int:
    if value is None:
        return 0
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def trend_charts(weeks: list[WeekKpis]) -> list[BarChart]:
    week_header = _("Semana")
    return [
        bar_chart(
            "trend-recovered",
            _("Recuperado por semana"),
            [
                (week_label(w.week), w.summary.recovered_cents, brl(w.summary.recovered_cents))
                for w in weeks
            ],
            label_header=week_header,
            value_header=_("Valor recuperado"),
        ),
        bar_chart(
            "trend-rate",
            _("Taxa de recuperação por semana"),
            [
                (
                    week_label(w.week),
                    _hundredths(w.summary.recovery_rate_pct),
                    "—"
                    if w.summary.recovery_rate_pct is None
                    else percent(w.summary.recovery_rate_pct, 2),
                )
                for w in weeks
            ],
            label_header=week_header,
            value_header=_("Taxa de recuperação"),
        ),
        bar_chart(
            "trend-agreements",
            _("Acordos feitos por semana"),
            [
                (week_label(w.week), w.summary.agreements_made, str(w.summary.agreements_made))
                for w in weeks
            ],
            label_header=week_header,
            value_header=_("Acordos feitos"),
        ),
    ]


def _form() -> KpiFilterForm:
    creditors = creditors_in_scope(db.session, g.staff)
    creditor = chosen_creditor(creditors)
    form = KpiFilterForm(request.args)
    form.credor.choices = [SelectChoice(c.id, c.display_name) for c in creditors]
    if creditor is not None:
        form.credor.data = creditor.id
    g.trend_creditor = creditor
    return form


@bp.get("/indicadores/tendencia")
@staff_required()
def kpi_trend() -> tuple[str, int]:
    form = _form()
    creditor = g.trend_creditor
    period = _period(form)
    weeks: list[WeekKpis] = []
    csv_url = None
    clipped = False
    if creditor is not None and period is not None:
        weeks = weekly_kpis(db.session, creditor, period)
        clipped = len(weeks_of(period, max_weeks=10_000)) > len(weeks)
        csv_url = url_for(
            "staff.kpi_trend_csv",
            credor=creditor.id,
            inicio=period.start.strftime("%d/%m/%Y"),
            fim=period.end.strftime("%d/%m/%Y"),
        )
    return render_template(
        "staff/kpis/trend.html",
        form=form,
        creditor=creditor,
        period=period,
        weeks=weeks,
        charts=trend_charts(weeks) if weeks else [],
        week_label=week_label,
        csv_url=csv_url,
        clipped=clipped,
        max_weeks=MAX_TREND_WEEKS,
    ), 200 if period is not None else 400


def trend_csv(weeks: list[WeekKpis]) -> str:
    with force_locale("pt_BR"):
        header = [
            _("Início da semana"),
            _("Fim da semana"),
            _("Carteira (R$)"),
            _("Recuperado (R$)"),
            _("Taxa de recuperação (%)"),
            _("Acordos feitos"),
            _("Acordos quebrados"),
            _("Devedores que abriram link"),
            _("Acordos após abrir link"),
        ]
        rows: list[list[str | int]] = [
            [
                w.week.start.strftime("%d/%m/%Y"),
                w.week.end.strftime("%d/%m/%Y"),
                cents_br(w.summary.portfolio_cents),
                cents_br(w.summary.recovered_cents),
                decimal_br(w.summary.recovery_rate_pct),
                w.summary.agreements_made,
                w.summary.agreements_broken,
                w.summary.links_opened,
                w.summary.conversions,
            ]
            for w in weeks
        ]
        return write_csv(header, rows)


@bp.get("/indicadores/tendencia.csv")
@staff_required()
def kpi_trend_csv() -> Response | tuple[str, int]:
    form = _form()
    creditor = g.trend_creditor
    if creditor is None:
        abort(404)
    period = _period(form)
    if period is None:
        return kpi_trend()
    body = trend_csv(weekly_kpis(db.session, creditor, period))
    with unit_of_work(db.session):
        record_event(
            db.session,
            request_actor(),
            "kpi.exported",
            creditor_id=creditor.id,
            details={
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "by": "week",
            },
        )
    filename = f"tendencia-{creditor.id}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store, max-age=0",
        },
        content_type="text/csv; charset=utf-8",
    )
