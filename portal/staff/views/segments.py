"""A creditor's debtors by segment and priority; bulk issue of links; their export.

Scope: only creditors (and their jobs) in the staff member's scope; anything else is 404.
Agents and admins may issue links in bulk; viewers only see the list and the progress.
The export is for the staff member who ran the job, during the short window after it
ends (``portal.services.access.bulk_links``); the links never appear on any page.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import staff_required
from portal.core.clock import now_utc, today_br
from portal.core.uow import unit_of_work
from portal.domain.disputes import DelayReason
from portal.domain.segments import AmountBand, DaysBand
from portal.extensions import db
from portal.http import request_actor
from portal.models import BulkJob, Channel, Creditor, StaffRole
from portal.services.access import (
    MAX_JOB_SIZE,
    BulkJobRefused,
    create_bulk_job,
    export_csv,
    export_open,
    job_in_scope,
    purge_expired_exports,
)
from portal.services.backoffice import History, SegmentFilter, creditors_in_scope, debtor_page
from portal.staff.blueprint import bp
from portal.staff.kpi_export import number
from portal.staff.report_forms import BulkIssueForm, SegmentFilterForm
from portal.staff.views.kpis import chosen_creditor


def filter_form(creditors: list[Creditor], creditor: Creditor | None) -> SegmentFilterForm:
    form = SegmentFilterForm(request.args)
    form.credor.choices = [SelectChoice(c.id, c.display_name) for c in creditors]
    if creditor is not None:
        form.credor.data = creditor.id
    return form


def wanted_filter(form: SegmentFilterForm) -> SegmentFilter:
    return SegmentFilter(
        days=DaysBand(form.atraso.data) if form.atraso.data else None,
        amount=AmountBand(form.valor.data) if form.valor.data else None,
        history=History(form.historico.data) if form.historico.data else None,
        broken={"sim": True, "nao": False}.get(form.quebra.data or ""),
        delay_reason=DelayReason(form.motivo.data) if form.motivo.data else None,
    )


def filter_query(creditor: Creditor, form: SegmentFilterForm) -> dict[str, object]:
    """The filter as URL parameters (no personal data: ids and band slugs only)."""
    values: dict[str, object] = {"credor": creditor.id}
    for name in ("atraso", "valor", "historico", "quebra", "motivo"):
        if form[name].data:
            values[name] = form[name].data
    return values


def _bulk_form() -> BulkIssueForm:
    form = BulkIssueForm()
    if form.days.data is None:
        form.days.data = current_app.config["ACCESS_LINK_DEFAULT_DAYS"]
    return form


def _render_list(
    creditors: list[Creditor],
    creditor: Creditor | None,
    form: SegmentFilterForm,
    bulk: BulkIssueForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = None
    if creditor is not None and form.validate():
        page = debtor_page(
            db.session, creditor.id, wanted_filter(form), today_br(), form.pagina.data or 1
        )
    elif creditor is not None:
        status = 400
    jobs = db.session.scalars(
        sa.select(BulkJob)
        .where(BulkJob.staff_id == g.staff.id)
        .order_by(BulkJob.created_at.desc())
        .limit(5)
    ).all()
    return render_template(
        "staff/segments/index.html",
        form=form,
        creditor=creditor,
        page=page,
        query=filter_query(creditor, form) if creditor else {},
        bulk=bulk or _bulk_form(),
        jobs=jobs,
        number=number,
    ), status


@bp.get("/segmentos")
@staff_required()
def segments() -> tuple[str, int]:
    creditors = creditors_in_scope(db.session, g.staff)
    creditor = chosen_creditor(creditors)
    return _render_list(creditors, creditor, filter_form(creditors, creditor))


@bp.post("/segmentos/lotes")
@staff_required(StaffRole.AGENT)
def bulk_issue() -> WerkzeugResponse | tuple[str, int]:
    """Freeze the segment (from the query string) into a job and queue it."""
    creditors = creditors_in_scope(db.session, g.staff)
    if not request.args.get("credor"):
        abort(404)
    creditor = chosen_creditor(creditors)
    if creditor is None:
        abort(404)
    form = filter_form(creditors, creditor)
    bulk = _bulk_form()
    max_days = current_app.config["ACCESS_LINK_MAX_DAYS"]
    if not form.validate() or not bulk.validate_on_submit() or bulk.days.data > max_days:
        if bulk.days.data and bulk.days.data > max_days:
            bulk.days.errors = [_("No máximo %(n)s dias.", n=max_days)]
        return _render_list(creditors, creditor, form, bulk, 400)
    try:
        with unit_of_work(db.session):
            job = create_bulk_job(
                db.session,
                g.staff,
                creditor,
                wanted_filter(form),
                channel=Channel(bulk.channel.data),
                days=int(bulk.days.data),
                actor=request_actor(),
                today=today_br(),
            )
    except BulkJobRefused as refused:
        if refused.reason == "empty":
            bulk.days.errors = [_("Nenhum devedor neste segmento: nada a emitir.")]
        else:
            bulk.days.errors = [
                _(
                    "Este segmento tem %(n)s devedores; o limite por lote é %(max)s. "
                    "Refine os filtros.",
                    n=refused.size,
                    max=MAX_JOB_SIZE,
                )
            ]
        return _render_list(creditors, creditor, form, bulk, 400)
    return redirect(url_for("staff.bulk_job", job_id=job.id), code=303)


def _job_or_404(job_id: int) -> BulkJob:
    job = job_in_scope(db.session, g.staff, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/segmentos/lotes/<int:job_id>")
@staff_required()
def bulk_job(job_id: int) -> tuple[str, int]:
    job = _job_or_404(job_id)
    now = now_utc()
    if job.export_expires_at is not None and job.export_expires_at <= now:
        # This job's window has closed: erase its sealed links now rather than at the
        # next hourly purge. Only then does a GET write (no write while a job runs).
        with unit_of_work(db.session):
            purge_expired_exports(db.session, now)
    running = job.status in ("queued", "running")
    return render_template(
        "staff/segments/job.html",
        job=job,
        running=running,
        can_export=export_open(job, g.staff, now),
        is_owner=job.staff_id == g.staff.id,
        summary=ngettext(
            "%(num)s link emitido de %(total)s.",
            "%(num)s links emitidos de %(total)s.",
            job.done,
            total=job.total,
        ),
    ), 200


@bp.get("/segmentos/lotes/<int:job_id>/links.csv")
@staff_required(StaffRole.AGENT)
def bulk_job_export(job_id: int) -> WerkzeugResponse:
    job = _job_or_404(job_id)
    now = now_utc()
    if job.staff_id != g.staff.id:
        abort(404)
    if not export_open(job, g.staff, now):
        with unit_of_work(db.session):
            purge_expired_exports(db.session, now)
        flash(_("Os links deste lote não podem mais ser baixados."), "info")
        return redirect(url_for("staff.bulk_job", job_id=job.id), code=303)
    with unit_of_work(db.session):
        body = export_csv(db.session, job, actor=request_actor(), now=now)
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="links-lote-{job.id}.csv"',
            "Cache-Control": "no-store, max-age=0",
            "Referrer-Policy": "no-referrer",
        },
    )
