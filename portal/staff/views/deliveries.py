"""The webhook delivery log of one company (admins): filters, a CSV, one delivery's payload,
answers and next retry, and sending several again at once.

Only the admin's creditors (404 outside them); resending is audited per delivery and
answered with a redirect (post-redirect-get), so a refresh never sends twice.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.decorators import staff_required
from portal.core.after_commit import enqueue_after_commit
from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.csv_br import text_cell, write_csv
from portal.core.formatting import date_br
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.models import Creditor, DeliveryStatus, StaffRole
from portal.services.backoffice import (
    DeliveryFilter,
    DeliveryRow,
    deliveries,
    delivery_detail,
    delivery_in_scope,
    resend,
)
from portal.services.integration import DUE_TASK
from portal.staff.blueprint import bp
from portal.staff.desk_forms import DELIVERY_STATUS_LABELS, DeliveryFilterForm
from portal.staff.forms import ConfirmForm
from portal.staff.views.integration import confirmed, creditor_or_404

ADMIN = StaffRole.ADMIN


def _filter() -> tuple[DeliveryFilterForm, DeliveryFilter | None]:
    form = DeliveryFilterForm(request.args)
    if not form.validate():
        return form, None
    return form, DeliveryFilter(
        status=form.situacao.data or None,
        event_type=form.evento.data or None,
        since=form.desde.data,
        until=form.ate.data,
    )


def _filter_args(form: DeliveryFilterForm) -> dict[str, str]:
    return {
        name: str(request.args[name])
        for name in ("situacao", "evento", "desde", "ate")
        if request.args.get(name) and not form[name].errors
    }


def _csv_url(creditor: Creditor, form: DeliveryFilterForm) -> str:
    arguments: dict[str, Any] = {"creditor_id": creditor.id, **_filter_args(form)}
    return url_for("staff.deliveries_csv", **arguments)


@bp.get("/integracao/<int:creditor_id>/entregas")
@staff_required(ADMIN)
def deliveries_index(creditor_id: int) -> tuple[str, int]:
    creditor = creditor_or_404(creditor_id)
    form, wanted = _filter()
    rows = deliveries(db.session, creditor.id, wanted) if wanted else []
    return render_template(
        "staff/integration/deliveries.html",
        creditor=creditor,
        form=form,
        rows=rows,
        labels=DELIVERY_STATUS_LABELS,
        csv_url=_csv_url(creditor, form),
        resend_form=ConfirmForm(),
    ), 200 if wanted else 400


def _csv(rows: list[DeliveryRow]) -> str:
    header = [
        _("Entrega"),
        _("Evento"),
        _("Tipo"),
        _("Endpoint"),
        _("Situação"),
        _("Tentativas"),
        _("Última resposta"),
        _("Criada em"),
        _("Entregue em"),
        _("Próxima tentativa"),
    ]
    body: list[list[str | int]] = [
        [
            row.delivery.id,
            row.event.id,
            row.event.type,
            text_cell(row.delivery.endpoint.url),
            str(DELIVERY_STATUS_LABELS[row.delivery.status]),
            row.delivery.attempts,
            text_cell(str(row.delivery.last_status_code or row.delivery.last_error or "")),
            date_br(row.delivery.created_at),
            date_br(row.delivery.delivered_at) if row.delivery.delivered_at else "",
            _next_try(row),
        ]
        for row in rows
    ]
    return write_csv(header, body)


def _next_try(row: DeliveryRow) -> str:
    delivery = row.delivery
    if delivery.status != DeliveryStatus.PENDING or delivery.next_attempt_at is None:
        return ""
    return date_br(delivery.next_attempt_at)


@bp.get("/integracao/<int:creditor_id>/entregas.csv")
@staff_required(ADMIN)
def deliveries_csv(creditor_id: int) -> Response | tuple[str, int]:
    creditor = creditor_or_404(creditor_id)
    form, wanted = _filter()
    if wanted is None:
        return deliveries_index(creditor_id)
    body = _csv(deliveries(db.session, creditor.id, wanted))
    with unit_of_work(db.session):
        record_event(
            db.session,
            request_actor(),
            "webhook_delivery.exported",
            creditor_id=creditor.id,
            details=_filter_args(form),
        )
    return Response(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="entregas-{creditor.id}.csv"',
            "Cache-Control": "no-store, max-age=0",
        },
        content_type="text/csv; charset=utf-8",
    )


def _resend(creditor: Creditor, ids: list[int]) -> int:
    with unit_of_work(db.session):
        count = resend(db.session, creditor.id, ids, actor=request_actor(), now=now_utc())
        if count:
            enqueue_after_commit(db.session, DUE_TASK)
    return count


@bp.post("/integracao/<int:creditor_id>/entregas/reenviar")
@staff_required(ADMIN)
def deliveries_resend(creditor_id: int) -> BaseResponse:
    creditor = creditor_or_404(creditor_id)
    confirmed()
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    count = _resend(creditor, ids)
    if count:
        flash(
            ngettext(
                "%(num)d entrega enviada de novo (mesmo webhook-id).",
                "%(num)d entregas enviadas de novo (mesmo webhook-id).",
                count,
            ),
            "success",
        )
    else:
        flash(_("Nenhuma entrega escolhida pode ser reenviada agora."), "info")
    return redirect(url_for("staff.deliveries_index", creditor_id=creditor.id), code=303)


@bp.get("/integracao/<int:creditor_id>/entregas/<int:delivery_id>")
@staff_required(ADMIN)
def delivery_show(creditor_id: int, delivery_id: int) -> str:
    creditor = creditor_or_404(creditor_id)
    delivery = delivery_in_scope(db.session, creditor.id, delivery_id)
    if delivery is None:
        abort(404)
    return render_template(
        "staff/integration/delivery.html",
        creditor=creditor,
        detail=delivery_detail(db.session, delivery),
        labels=DELIVERY_STATUS_LABELS,
        form=ConfirmForm(),
    )


@bp.post("/integracao/<int:creditor_id>/entregas/<int:delivery_id>/reenviar")
@staff_required(ADMIN)
def delivery_replay(creditor_id: int, delivery_id: int) -> BaseResponse:
    creditor = creditor_or_404(creditor_id)
    confirmed()
    delivery = delivery_in_scope(db.session, creditor.id, delivery_id)
    if delivery is None:
        abort(404)
    if delivery.status == DeliveryStatus.PENDING:
        abort(409)
    _resend(creditor, [delivery.id])
    flash(_("Entrega enviada de novo, com o mesmo webhook-id."), "success")
    return redirect(
        url_for("staff.delivery_show", creditor_id=creditor.id, delivery_id=delivery.id),
        code=303,
    )
