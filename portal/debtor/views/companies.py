"""The companies of a session: "Tem pendências com outra empresa?" (add one with a code sent to
the contact that company has on file) and "Meus dados" (the contact data each proved company
has, changed only with a fresh code sent to that company's contact).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import debtor_required
from portal.auth.limits import hit_identifier, ip_limit
from portal.auth.session import grant
from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.uow import transactional, unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.forms import AddCompanyForm, CodeForm, ContactForm
from portal.debtor.scope import proved_relationships, require_proved
from portal.debtor.step_up import builder, consume, step_up_context, text_messages
from portal.domain.documents import format_cnpj, normalise_cnpj
from portal.extensions import db
from portal.http import request_actor
from portal.models import Channel, CreditorDebtor
from portal.services.access import (
    Act,
    CompanyChallenge,
    StepUp,
    challenge_company,
    change_contact,
    mask_contact,
    prove_company,
    relationship,
)

_ADDING = "adding_company"


def _wrong_code() -> str:
    return _("Código incorreto ou vencido. Confira a mensagem mais recente ou peça um novo código.")


@bp.route("/empresas/adicionar", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def add_company() -> Response | tuple[str, int]:
    form = AddCompanyForm()
    status = 200
    if form.validate_on_submit():
        cnpj = normalise_cnpj(str(form.cnpj.data))
        if not hit_identifier("RATELIMIT_CODE_REQUEST", f"debtor:{g.debtor.id}"):
            record_event(
                db.session,
                request_actor(),
                "code.request_limited",
                details={"debtor_id": g.debtor.id},
            )
            flash(
                _("Você pediu muitos códigos. Aguarde alguns minutos e tente de novo."), "warning"
            )
            return redirect(url_for("debtor.add_company"), code=303)
        challenge = challenge_company(
            db.session,
            g.debtor.id,
            cnpj,
            text_messages=text_messages(),
            ttl=timedelta(minutes=current_app.config["OTP_TTL_MINUTES"]),
            actor=request_actor(),
            now=now_utc(),
        )
        session[_ADDING] = {
            "cnpj": challenge.cnpj,
            "creditor_id": challenge.creditor_id,
            "code_id": challenge.code_id,
            "masked": challenge.masked,
        }
        return redirect(url_for("debtor.add_company_code"), code=303)
    if form.is_submitted():
        status = 400
    return render_template("debtor/companies/add.html", form=form), status


def _challenge() -> CompanyChallenge:
    pending = session.get(_ADDING)
    if not isinstance(pending, dict) or not pending.get("cnpj"):
        abort(404)
    return CompanyChallenge(
        str(pending["cnpj"]),
        pending.get("creditor_id"),
        pending.get("code_id"),
        str(pending.get("masked")),
    )


@bp.route("/empresas/adicionar/codigo", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def add_company_code() -> Response | tuple[str, int]:
    challenge = _challenge()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        with unit_of_work(db.session):
            added = prove_company(
                db.session,
                g.debtor.id,
                challenge,
                str(form.code.data),
                actor=request_actor(),
                now=now_utc(),
            )
        if added:
            grant(added)
            session.pop(_ADDING, None)
            flash(_("Pronto! Agora você vê também o que tem com essa empresa."), "success")
            return redirect(url_for("debtor.home"), code=303)
        form.code.errors = [_wrong_code()]
    if form.is_submitted():
        status = 400
    return render_template(
        "debtor/companies/code.html",
        form=form,
        cnpj=format_cnpj(challenge.cnpj),
        masked=challenge.masked,
    ), status


# --- Meus dados ---------------------------------------------------------------------------


@bp.get("/meus-dados")
@debtor_required
def contacts() -> str:
    rows = [
        (
            rel,
            mask_contact(rel.email, Channel.EMAIL) if rel.email else None,
            mask_contact(rel.phone, Channel.SMS) if rel.phone else None,
        )
        for rel in proved_relationships()
    ]
    return render_template("debtor/companies/contacts.html", rows=rows)


def _own_relationship(creditor_id: int) -> CreditorDebtor:
    require_proved(creditor_id)
    rel = relationship(db.session, creditor_id, g.debtor.id)
    if rel is None:
        abort(404)
    g.creditor = rel.creditor
    return rel


def _contact_step(rel: CreditorDebtor) -> StepUp:
    return StepUp(Act.CONTACT, rel.creditor, "contact")


@builder(Act.CONTACT)
def _contact_step_for(ref: str) -> StepUp:
    if not ref.isdigit():
        abort(404)
    return _contact_step(_own_relationship(int(ref)))


@bp.route("/meus-dados/<int:creditor_id>", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def change_contacts(creditor_id: int) -> Response | tuple[str, int]:
    rel = _own_relationship(creditor_id)
    step = _contact_step(rel)
    form = ContactForm(data={"email": rel.email, "phone": rel.phone})
    status = 200
    if form.validate_on_submit():
        if consume(step, str(form.code.data)):
            with unit_of_work(db.session):
                change_contact(
                    db.session,
                    rel,
                    email=form.email.data or None,
                    phone=form.phone.data or None,
                    actor=request_actor(),
                )
            flash(_("Dados atualizados com %(name)s.", name=rel.creditor.display_name), "success")
            return redirect(url_for("debtor.contacts"), code=303)
        form.code.errors = [_wrong_code()]
    if form.is_submitted():
        status = 400
    back = url_for("debtor.change_contacts", creditor_id=creditor_id)
    return render_template(
        "debtor/companies/change.html",
        form=form,
        rel=rel,
        step_up=step_up_context(step, str(creditor_id), back),
    ), status
