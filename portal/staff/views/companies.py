"""A company's support channels (phone, WhatsApp, e-mail, hours), edited by admins and shown
to its debtors on every page of its pendências and in every dead end."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import staff_required
from portal.core.uow import unit_of_work
from portal.domain.contact import format_phone, support_channels
from portal.extensions import db
from portal.http import request_actor
from portal.models import Creditor, StaffRole
from portal.services.backoffice import (
    creditor_in_scope,
    creditors_in_scope,
    update_support_channels,
)
from portal.staff.blueprint import bp
from portal.staff.company_forms import CONTACT_ERRORS, SupportChannelsForm


def _creditor_or_404(creditor_id: int) -> Creditor:
    creditor = creditor_in_scope(db.session, g.staff, creditor_id)
    if creditor is None:
        abort(404)
    return creditor


@bp.get("/empresas")
@staff_required(StaffRole.ADMIN)
def companies() -> tuple[str, int]:
    rows = creditors_in_scope(db.session, g.staff)
    return render_template("staff/companies/index.html", rows=rows), 200


@bp.route("/empresas/<int:creditor_id>/atendimento", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def company_contact(creditor_id: int) -> Response | tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    form = SupportChannelsForm()
    if not form.is_submitted():
        form.phone.data = format_phone(creditor.support_phone or "")
        form.whatsapp.data = format_phone(creditor.support_whatsapp or "")
        form.email.data = creditor.support_email or ""
        form.hours.data = creditor.support_hours or ""
    elif form.validate():
        channels, invalid = support_channels(
            phone=form.phone.data or "",
            whatsapp=form.whatsapp.data or "",
            email=form.email.data or "",
            hours=form.hours.data or "",
        )
        for name in invalid:
            field = form.hours if name == "hours_alone" else form[name]
            field.errors = [str(CONTACT_ERRORS[name])]
        if channels is not None:
            with unit_of_work(db.session):
                changed = update_support_channels(
                    db.session, creditor, channels, actor=request_actor()
                )
            flash(
                _("Canais de atendimento publicados.") if changed else _("Nada mudou."),
                "success",
            )
            return redirect(url_for("staff.companies"), code=303)
    status = 422 if form.errors or any(f.errors for f in form) else 200
    return render_template("staff/companies/contact.html", creditor=creditor, form=form), status
