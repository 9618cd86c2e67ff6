"""Find a debtor within one's creditors, see everything about them, and issue, list and
revoke their access links (other actions: ``debtor_actions``; history: ``timeline``).

Every query goes through ``portal.services.backoffice.staff`` scope checks: a debtor who owes
nothing to the staff member's creditors does not exist for them (404, never 403).
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import staff_required
from portal.core.clock import now_utc, today_br
from portal.core.formatting import date_br
from portal.core.tokens import reminder_link_url
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.log import scrub
from portal.models import (
    AccessLink,
    Channel,
    Creditor,
    CreditorDebtor,
    Debtor,
    StaffRole,
)
from portal.services.access import (
    issue_reminder_link,
    link_message,
    revoke_link,
    set_access_blocked,
)
from portal.services.backoffice import (
    agreements_in_scope,
    can_staff_cancel,
    contacts_in_scope,
    creditors_for,
    creditors_in_scope,
    debtor_in_scope,
    items_in_scope,
    link_rows,
    links_in_scope,
    messages_sent,
    notes_in_scope,
    payments_in_scope,
    search_debtors,
    staff_names,
    timeline,
)
from portal.services.disputes import open_dispute_ids
from portal.services.notify import queue_email
from portal.staff import labels
from portal.staff.blueprint import bp
from portal.staff.debtor_forms import NoteForm
from portal.staff.forms import ConfirmForm, DebtorSearchForm, IssueLinkForm


@bp.route("/", methods=["GET", "POST"])
@staff_required()
def search() -> tuple[str, int]:
    """Search, narrowed to one of the staff member's companies if asked. By POST only (the
    GET shows the empty form), so what was typed (a CPF, a phone) is in no URL or log."""
    form = DebtorSearchForm(request.form if request.method == "POST" else None)
    companies = creditors_in_scope(db.session, g.staff)
    form.empresa.choices = [SelectChoice("", _("Todas as empresas"))] + [
        SelectChoice(str(c.id), c.display_name) for c in companies
    ]
    searched = request.method == "POST"
    valid = not searched or form.validate_on_submit()
    results = []
    if searched and valid and form.q.data:
        chosen = int(form.empresa.data) if form.empresa.data else None
        results = search_debtors(db.session, g.staff, form.q.data, creditor_id=chosen)
    return render_template(
        "staff/debtors/search.html",
        form=form,
        results=results,
        searched=searched and bool(form.q.data),
        many_companies=len(companies) > 1,
    ), 200 if valid else 400


def debtor_or_404(debtor_id: int) -> Debtor:
    """The debtor, with ``g.debtor_contacts``: the person as each of the staff member's
    companies knows them (``g.debtor_name`` is the first one's name)."""
    debtor = debtor_in_scope(db.session, g.staff, debtor_id)
    if debtor is None:
        abort(404)
    g.debtor_contacts = contacts_in_scope(db.session, g.staff, debtor.id)
    g.debtor_name = g.debtor_contacts[0].name if g.debtor_contacts else debtor.document_masked
    return debtor


def mask_phone(phone: str | None) -> str | None:
    """``+5541999990000`` → ``(41) *****-0000``: enough to confirm it on a call."""
    if not phone or len(phone) < 8:
        return None
    return f"({phone[3:5]}) *****-{phone[-4:]}"


def _issue_form(creditors: list[Creditor]) -> IssueLinkForm:
    """Only the staff member's companies that know the debtor; e-mail only if one has it."""
    form = IssueLinkForm()
    form.creditor_id.choices = [SelectChoice(c.id, c.display_name) for c in creditors]
    if form.days.data is None:
        form.days.data = current_app.config["ACCESS_LINK_DEFAULT_DAYS"]
    if not any(contact.email for contact in g.debtor_contacts):
        form.channel.choices = [c for c in form.channel.choices if c.value != "email"]
    return form


def _contact_for(creditor_id: int) -> CreditorDebtor | None:
    return next((c for c in g.debtor_contacts if c.creditor_id == creditor_id), None)


def _links(debtor: Debtor) -> list[AccessLink]:
    return links_in_scope(db.session, g.staff, debtor)


def _note_form(creditors: list[Creditor]) -> NoteForm:
    form = NoteForm()
    form.note_creditor_id.choices = [SelectChoice(c.id, c.display_name) for c in creditors]
    return form


TIMELINE_PREVIEW = 10


def render_debtor_page(
    debtor: Debtor,
    *,
    form: IssueLinkForm | None = None,
    note_form: NoteForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The debtor page: profile, items, agreements, payments, links, messages, notes and
    the latest events, all within the staff member's creditors."""
    staff = g.staff
    creditors = creditors_for(db.session, staff, debtor.id)
    recent = timeline(db.session, staff, debtor, per_page=TIMELINE_PREVIEW)
    messages = messages_sent(db.session, staff, debtor)
    groups = items_in_scope(db.session, staff, debtor, today_br())
    return render_template(
        "staff/debtors/show.html",
        debtor=debtor,
        creditors=creditors,
        groups=groups,
        open_cases=open_dispute_ids(
            db.session, [row.item.id for group in groups for row in group.rows]
        ),
        agreements=agreements_in_scope(db.session, staff, debtor),
        payments=payments_in_scope(db.session, staff, debtor),
        links=link_rows(db.session, staff, debtor),
        messages=messages,
        notes=notes_in_scope(db.session, staff, debtor),
        recent=recent,
        names=staff_names(db.session, [*recent.events, *messages]),
        labels=labels,
        can_cancel=can_staff_cancel,
        now=now_utc(),
        form=form or _issue_form(creditors),
        note_form=note_form or _note_form(creditors),
        confirm=ConfirmForm(),
        max_days=current_app.config["ACCESS_LINK_MAX_DAYS"],
        contacts=[
            (
                contact.creditor.display_name,
                scrub(contact.email) if contact.email else None,
                mask_phone(contact.phone),
            )
            for contact in g.debtor_contacts
        ],
        error=error,
    ), status


@bp.get("/devedores/<int:debtor_id>")
@staff_required()
def show(debtor_id: int) -> tuple[str, int]:
    return render_debtor_page(debtor_or_404(debtor_id))


@bp.post("/devedores/<int:debtor_id>/links")
@staff_required(StaffRole.AGENT)
def issue(debtor_id: int) -> tuple[str, int]:
    """Shows the link once, in this response only; it is never stored or shown again."""
    debtor = debtor_or_404(debtor_id)
    creditors = creditors_for(db.session, g.staff, debtor.id)  # within scope only
    form = _issue_form(creditors)
    max_days = current_app.config["ACCESS_LINK_MAX_DAYS"]
    if not form.validate_on_submit() or form.days.data > max_days:
        if form.days.data and form.days.data > max_days:
            form.days.errors = [_("No máximo %(n)s dias.", n=max_days)]
        return render_debtor_page(debtor, form=form, status=400)
    creditor = next(c for c in creditors if c.id == form.creditor_id.data)
    contact = _contact_for(creditor.id)
    channel = Channel(form.channel.data)
    if contact is None or (channel == Channel.EMAIL and not contact.email):
        form.channel.errors = [_("Esta empresa não tem o e-mail do devedor.")]
        return render_debtor_page(debtor, form=form, status=400)
    with unit_of_work(db.session):
        link, token = issue_reminder_link(
            db.session,
            debtor,
            creditor,
            channel=channel,
            days=int(form.days.data),
            max_days=max_days,
            actor=request_actor(),
            now=now_utc(),
        )
        url = reminder_link_url(token)
        if channel == Channel.EMAIL:
            queue_email(
                db.session,
                to=str(contact.email),
                template="access_link",
                context={
                    "first_name": contact.first_name,
                    "creditor": creditor.display_name,
                    "creditor_legal_name": creditor.legal_name,
                    "creditor_cnpj": creditor.cnpj_formatted,
                    "url": url,
                    "until": link.expires_at.date().isoformat(),
                },
            )
    if channel == Channel.EMAIL:
        return render_template(
            "staff/debtors/link-issued.html",
            debtor=debtor,
            link=link,
            sent_to=scrub(str(contact.email)),
            url=None,
            message=None,
        ), 201
    message = link_message(
        channel.value,
        first_name=contact.first_name,
        creditor=creditor,
        url=url,
        expires_at=link.expires_at,
    )
    return render_template(
        "staff/debtors/link-issued.html",
        debtor=debtor,
        link=link,
        sent_to=None,
        url=url,
        message=message,
    ), 201


@bp.get("/devedores/<int:debtor_id>/links/<int:link_id>/revogar")
@staff_required(StaffRole.AGENT)
def revoke_confirm(debtor_id: int, link_id: int) -> str:
    """Cancelling a link cannot be undone: a page asks first (the POST comes from it)."""
    debtor = debtor_or_404(debtor_id)
    link = next((item for item in _links(debtor) if item.id == link_id), None)
    if link is None or link.revoked_at is not None:
        abort(404)
    return render_template(
        "staff/confirm.html",
        title=_("Cancelar este link de acesso?"),
        text=_(
            "O link criado em %(date)s deixa de abrir o portal na hora, e quem entrou por ele "
            "sai. Para dar acesso de novo, emita outro link.",
            date=date_br(link.created_at),
        ),
        action=url_for("staff.revoke", debtor_id=debtor.id, link_id=link.id),
        button=_("Sim, cancelar o link"),
        back=url_for("staff.show", debtor_id=debtor.id, _anchor="links"),
        fields={},
        heading=None,
        form=ConfirmForm(),
    )


@bp.post("/devedores/<int:debtor_id>/links/<int:link_id>/revogar")
@staff_required(StaffRole.AGENT)
def revoke(debtor_id: int, link_id: int) -> Response:
    debtor = debtor_or_404(debtor_id)
    link = next((item for item in _links(debtor) if item.id == link_id), None)
    if link is None or not ConfirmForm().validate_on_submit():
        abort(404)
    with unit_of_work(db.session):
        revoked = revoke_link(db.session, link, actor=request_actor(), now=now_utc())
    if revoked:
        flash(_("Link cancelado. Ele não abre mais o portal."), "success")
    return redirect(url_for("staff.show", debtor_id=debtor.id), code=303)


@bp.get("/devedores/<int:debtor_id>/bloqueio")
@staff_required(StaffRole.AGENT)
def block_confirm(debtor_id: int) -> str:
    debtor = debtor_or_404(debtor_id)
    return render_template(
        "staff/confirm.html",
        title=_("Bloquear o acesso de %(name)s?", name=g.debtor_name),
        text=_(
            "Todas as sessões abertas terminam agora e nenhum link abre o portal até alguém "
            "do atendimento liberar o acesso."
        ),
        action=url_for("staff.block", debtor_id=debtor.id),
        button=_("Sim, bloquear e encerrar sessões"),
        back=url_for("staff.show", debtor_id=debtor.id),
        fields={"acao": "bloquear"},
        heading=_("Isto vale até alguém liberar o acesso"),
        form=ConfirmForm(),
    )


@bp.post("/devedores/<int:debtor_id>/bloqueio")
@staff_required(StaffRole.AGENT)
def block(debtor_id: int) -> Response:
    debtor = debtor_or_404(debtor_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    blocked = request.form.get("acao") == "bloquear"
    with unit_of_work(db.session):
        set_access_blocked(db.session, debtor, blocked, actor=request_actor(), now=now_utc())
    flash(
        _("Acesso bloqueado e sessões encerradas.") if blocked else _("Acesso liberado."), "success"
    )
    return redirect(url_for("staff.show", debtor_id=debtor.id), code=303)
