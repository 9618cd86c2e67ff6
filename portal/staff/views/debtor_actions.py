"""Actions on a debtor page: reveal the document, add a note, cancel an agreement, and mark
an item disputed or resolved.

Every action is a POST with a CSRF token, for agents and admins only (viewers get 403),
within the staff member's creditors (anything else is 404), and commits once together with
its audit record; e-mails leave after that commit.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import staff_required
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.domain.documents import format_document
from portal.extensions import db
from portal.http import request_actor
from portal.models import Agreement, Debtor, StaffRole
from portal.services.backoffice import (
    StaffActionError,
    add_note,
    agreement_in_scope,
    can_staff_cancel,
    cancel_agreement_by_staff,
    creditors_for,
    dispute_item,
    item_in_scope,
    resolve_item,
    reveal_document,
)
from portal.staff.blueprint import bp
from portal.staff.debtor_forms import CancelAgreementForm, NoteForm
from portal.staff.forms import ConfirmForm
from portal.staff.views.debtors import debtor_or_404, render_debtor_page


def _back(debtor: Debtor, anchor: str) -> Response:
    return redirect(url_for("staff.show", debtor_id=debtor.id, _anchor=anchor), code=303)


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.post("/devedores/<int:debtor_id>/documento")
@staff_required(StaffRole.AGENT)
def reveal(debtor_id: int) -> tuple[str, int]:
    """Shows the full document in this response only, and records who saw it."""
    debtor = debtor_or_404(debtor_id)
    _confirmed()
    with unit_of_work(db.session):
        document = reveal_document(db.session, debtor, actor=request_actor())
    return render_template(
        "staff/debtors/document.html", debtor=debtor, document=format_document(document)
    ), 200


@bp.post("/devedores/<int:debtor_id>/anotacoes")
@staff_required(StaffRole.AGENT)
def add_debtor_note(debtor_id: int) -> Response | tuple[str, int]:
    debtor = debtor_or_404(debtor_id)
    creditors = creditors_for(db.session, g.staff, debtor.id)
    form = NoteForm()
    form.note_creditor_id.choices = [SelectChoice(c.id, c.display_name) for c in creditors]
    if not form.validate_on_submit():
        return render_debtor_page(debtor, note_form=form, status=400)
    creditor = next(c for c in creditors if c.id == form.note_creditor_id.data)
    try:
        with unit_of_work(db.session):
            add_note(
                db.session,
                debtor,
                creditor,
                g.staff,
                str(form.text.data),
                actor=request_actor(),
                now=now_utc(),
            )
    except StaffActionError:
        form.text.errors = [_("Escreva a anotação.")]
        return render_debtor_page(debtor, note_form=form, status=400)
    flash(_("Anotação registrada."), "success")
    return _back(debtor, "anotacoes")


def _agreement_or_404(debtor: Debtor, agreement_id: int) -> Agreement:
    agreement = agreement_in_scope(db.session, g.staff, debtor, agreement_id)
    if agreement is None:
        abort(404)
    return agreement


def _cancel_page(
    debtor: Debtor, agreement: Agreement, form: CancelAgreementForm, status: int = 200
) -> tuple[str, int]:
    paid = sum(i.paid_cents for i in agreement.installments)
    return render_template(
        "staff/debtors/cancel-agreement.html",
        debtor=debtor,
        agreement=agreement,
        form=form,
        paid_cents=paid,
        open=can_staff_cancel(agreement),
    ), status


@bp.get("/devedores/<int:debtor_id>/acordos/<int:agreement_id>/cancelar")
@staff_required(StaffRole.AGENT)
def cancel_agreement_form(debtor_id: int, agreement_id: int) -> tuple[str, int]:
    debtor = debtor_or_404(debtor_id)
    agreement = _agreement_or_404(debtor, agreement_id)
    return _cancel_page(debtor, agreement, CancelAgreementForm())


@bp.post("/devedores/<int:debtor_id>/acordos/<int:agreement_id>/cancelar")
@staff_required(StaffRole.AGENT)
def cancel_agreement(debtor_id: int, agreement_id: int) -> Response | tuple[str, int]:
    debtor = debtor_or_404(debtor_id)
    agreement = _agreement_or_404(debtor, agreement_id)
    form = CancelAgreementForm()
    if not form.validate_on_submit():
        return _cancel_page(debtor, agreement, form, 400)
    try:
        with unit_of_work(db.session):
            cancel_agreement_by_staff(
                db.session,
                agreement.id,
                str(form.reason.data),
                actor=request_actor(),
                now=now_utc(),
            )
    except StaffActionError as error:
        if error.reason == "reason_length":
            form.reason.errors = [_("Escreva o motivo com 5 a 300 caracteres.")]
            return _cancel_page(debtor, agreement, form, 400)
        return _cancel_page(debtor, agreement, form, 409)
    flash(
        _("Acordo nº %(n)s cancelado. As pendências voltaram a ficar em aberto.", n=agreement.id),
        "success",
    )
    return _back(debtor, "acordos")


def _item_error(reason: str) -> str:
    if reason == "in_agreement":
        return _(
            "Esta pendência faz parte de um acordo em andamento. Para contestá-la, cancele o "
            "acordo antes."
        )
    if reason == "has_case":
        return _("O devedor abriu esta contestação: responda pela página da contestação.")
    if reason == "not_disputed":
        return _("Esta pendência não está contestada.")
    return _("Só pendências em aberto podem ser contestadas.")


@bp.post("/devedores/<int:debtor_id>/pendencias/<int:item_id>/<any(contestar, resolver):acao>")
@staff_required(StaffRole.AGENT)
def item_dispute(debtor_id: int, item_id: int, acao: str) -> Response | tuple[str, int]:
    debtor = debtor_or_404(debtor_id)
    item = item_in_scope(db.session, g.staff, debtor, item_id)
    if item is None:
        abort(404)
    _confirmed()
    try:
        with unit_of_work(db.session):
            if acao == "contestar":
                dispute_item(db.session, item, actor=request_actor())
            else:
                resolve_item(db.session, item, actor=request_actor())
    except StaffActionError as error:
        return render_debtor_page(debtor, error=_item_error(error.reason), status=409)
    if acao == "contestar":
        flash(_("Pendência marcada como contestada. Ela fica fora das negociações."), "success")
    else:
        flash(_("Contestação resolvida. A pendência voltou a ficar em aberto."), "success")
    return _back(debtor, "pendencias")
