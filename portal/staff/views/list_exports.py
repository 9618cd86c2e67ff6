"""CSV exports of the back-office lists of people: a segment's ranking (the same filter as
the page, every row, not one page) and the debtor search.

Documents are masked as on the pages; every export is audited. The search export is a POST
(with the CSRF token) so what was typed never sits in an export URL.
"""

from __future__ import annotations

from flask import Response, abort, g, request
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.auth.decorators import staff_required
from portal.core.audit import record_event
from portal.core.clock import today_br
from portal.core.csv_br import cents_br, text_cell, write_csv
from portal.core.formatting import cpf_mask
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.services.backoffice import creditors_in_scope, debtor_page, search_debtors
from portal.staff.blueprint import bp
from portal.staff.forms import ConfirmForm
from portal.staff.kpi_export import number
from portal.staff.views.kpis import chosen_creditor
from portal.staff.views.segments import filter_form, filter_query, wanted_filter

MAX_EXPORT_ROWS = 10_000


def _csv_response(body: str, filename: str) -> Response:
    return Response(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store, max-age=0",
        },
        content_type="text/csv; charset=utf-8",
    )


@bp.get("/segmentos.csv")
@staff_required()
def segments_csv() -> Response:
    creditors = creditors_in_scope(db.session, g.staff)
    creditor = chosen_creditor(creditors)
    if creditor is None:
        abort(404)
    form = filter_form(creditors, creditor)
    if not form.validate():
        abort(400)
    page = debtor_page(
        db.session, creditor.id, wanted_filter(form), today_br(), 1, per_page=MAX_EXPORT_ROWS
    )
    with force_locale("pt_BR"):
        header = [
            _("Posição"),
            _("Devedor"),
            _("Documento"),
            _("Em aberto (R$)"),
            _("Dias em atraso"),
            _("Já pagou"),
            _("Acordo quebrado"),
            _("Prioridade"),
        ]
        rows = [
            [
                page.first_position + index,
                text_cell(contact.name),
                cpf_mask(contact.debtor.document),
                cents_br(row.balance_cents),
                row.days_overdue,
                _("sim") if row.has_paid else _("não"),
                _("sim") if row.has_broken else _("não"),
                number(row.score, 2),
            ]
            for index, (row, contact) in enumerate(page.rows)
        ]
        body = write_csv(header, rows)
    with unit_of_work(db.session):
        record_event(
            db.session,
            request_actor(),
            "segment.exported",
            creditor_id=creditor.id,
            details={**filter_query(creditor, form), "rows": len(rows)},
        )
    return _csv_response(body, f"segmento-{creditor.id}.csv")


@bp.post("/devedores.csv")
@staff_required()
def search_csv() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    raw = request.form.get("empresa", "")
    chosen = int(raw) if raw.isdigit() else None
    if chosen is not None and chosen not in {c.id for c in creditors_in_scope(db.session, g.staff)}:
        abort(404)
    found = search_debtors(db.session, g.staff, request.form.get("q", "")[:200], creditor_id=chosen)
    with force_locale("pt_BR"):
        body = write_csv(
            [_("Devedor"), _("Documento")],
            [[text_cell(d.name), cpf_mask(d.document)] for d in found],
        )
    with unit_of_work(db.session):
        record_event(
            db.session, request_actor(), "debtor_search.exported", details={"rows": len(found)}
        )
    return _csv_response(body, "devedores.csv")
