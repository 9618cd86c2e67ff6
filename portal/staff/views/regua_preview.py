"""The régua's preview for one debtor, and the per-phase results as CSV.

The debtor is chosen by CPF/CNPJ in a POST (documents never travel in URLs), and only among
those with items at the company (404-like answer otherwise: tenant isolation).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth.decorators import staff_required
from portal.core.clock import today_br
from portal.domain.documents import InvalidDocument, normalise_document
from portal.extensions import db
from portal.models import Debtor, PendingItem, StaffRole
from portal.services.backoffice.kpis import Period
from portal.services.regua.funnel import STAGES, regua_funnel
from portal.services.regua.preview import preview_debtor
from portal.services.regua.rulers import latest_or_none
from portal.staff.blueprint import bp
from portal.staff.charts import bar_chart
from portal.staff.regua_forms import CHANNEL_LABELS, PHASE_LABELS, PreviewForm
from portal.staff.views.regua import creditor_or_404

STATE_LABELS: dict[str, Any] = {
    "pending": _l("enviando (sem confirmação)"),
    "sent": _l("enviada"),
    "delivered": _l("entregue"),
    "failed": _l("falhou"),
    "undelivered": _l("não entregue"),
    "stopped": _l("parada"),
    "upcoming": _l("agendada"),
    "current": _l("na vez (sai no próximo horário permitido)"),
    "passed": _l("etapa já passada (não enviada)"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


@bp.route("/regua/<int:creditor_id>/previa", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def regua_preview(creditor_id: int) -> tuple[str, int]:
    creditor = creditor_or_404(creditor_id)
    version = latest_or_none(db.session, creditor.id)
    if version is None:
        abort(404)
    form = PreviewForm()
    preview, status = None, 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                _kind, document = normalise_document(form.document.data or "")
            except (InvalidDocument, ValueError):
                form.document.errors = [_("CPF ou CNPJ inválido.")]
            else:
                debtor = db.session.scalar(
                    sa.select(Debtor)
                    .join(PendingItem, PendingItem.debtor_id == Debtor.id)
                    .where(Debtor.document == document, PendingItem.creditor_id == creditor.id)
                    .limit(1)
                )
                if debtor is None:
                    form.document.errors = [_("Nenhum devedor com este documento nesta empresa.")]
                else:
                    preview = preview_debtor(db.session, creditor, version, debtor, today_br())
                    status = 200
                    # Shown masked below: the full document is not echoed back in the form.
                    form.document.data, form.document.raw_data = "", []
    return render_template(
        "staff/regua/preview.html",
        creditor=creditor,
        version=version,
        form=form,
        preview=preview,
        phase_labels=PHASE_LABELS,
        channel_labels=CHANNEL_LABELS,
        state_label=state_label,
    ), status


STAGE_LABELS: dict[str, Any] = {
    "sent": _l("Enviadas"),
    "delivered": _l("Entregues"),
    "opened": _l("Link aberto"),
    "identified": _l("Identidade confirmada"),
    "agreement": _l("Acordo"),
    "paid": _l("Pagou"),
    "opted_out": _l("Pediu para sair"),
}


def kpi_context(creditor_id: int, period: Period) -> dict[str, Any]:
    """What the KPI page needs for its régua section: the funnel, a chart, the CSV link."""
    funnel = regua_funnel(db.session, creditor_id, period)
    totals = {stage: sum(row.counts[stage] for row in funnel.phases) for stage in STAGES}
    chart = bar_chart(
        "chart-regua",
        _("Da mensagem ao pagamento"),
        [(str(STAGE_LABELS[s]), totals[s], str(totals[s])) for s in STAGES],
        label_header=_("Etapa"),
        value_header=_("Mensagens"),
    )
    return {
        "regua_funnel": funnel,
        "regua_charts": [chart] if funnel.rows else [],
        "regua_csv_url": url_for(
            "staff.regua_funnel_csv",
            credor=creditor_id,
            inicio=period.start.strftime("%d/%m/%Y"),
            fim=period.end.strftime("%d/%m/%Y"),
        ),
        "stages": STAGES,
        "stage_labels": STAGE_LABELS,
        "phase_labels": PHASE_LABELS,
    }
