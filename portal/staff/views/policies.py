"""Negotiation policy editor, per creditor, for admins only.

Policies are versioned: saving publishes the next version and never touches an old one
(agreements keep the version they were made under). Before publishing, the admin sees what
a sample debt would be offered under the edited rules, computed by the engine itself
(``portal.domain.simulation.build_offer``); publishing is only possible for exactly the
rules that were previewed.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import staff_required
from portal.core.clock import today_br
from portal.core.uow import unit_of_work
from portal.domain.calendar import anbima_calendar
from portal.domain.charges import DebtorKind
from portal.domain.charges import PendingItem as DomainItem
from portal.domain.codec import canonical_json
from portal.domain.errors import NegotiationError
from portal.domain.offers import Offer
from portal.domain.policy import NegotiationPolicy
from portal.domain.simulation import build_offer
from portal.extensions import db
from portal.http import request_actor
from portal.models import Creditor, PolicyVersion, StaffRole, StaffUser
from portal.services.policies import (
    NoPolicy,
    current_version,
    policy_of,
    publish_policy,
)
from portal.staff.blueprint import bp
from portal.staff.policy_forms import PolicyForm, blank_data, form_data, with_ids
from portal.staff.policy_rules import build_policy, error_list

SAMPLE_DEFAULTS = {"sample_amount": 100_000, "sample_days": 90, "sample_kind": "cpf"}
MAX_SAMPLE_DAYS = 100_000


def _creditors_in_scope() -> list[Creditor]:
    statement = sa.select(Creditor).order_by(Creditor.trade_name)
    scope = g.staff.scope_ids()
    if scope is not None:
        statement = statement.where(Creditor.id.in_(scope or {-1}))
    return list(db.session.scalars(statement))


def _creditor_or_404(creditor_id: int) -> Creditor:
    scope = g.staff.scope_ids()
    creditor = db.session.get(Creditor, creditor_id)
    if creditor is None or (scope is not None and creditor_id not in scope):
        abort(404)
    return creditor


def _latest(creditor: Creditor) -> PolicyVersion | None:
    try:
        return current_version(db.session, creditor.id)
    except NoPolicy:
        return None


def _authors(rows: list[PolicyVersion]) -> dict[str, str]:
    """Names of the staff members who published ``rows``, by their id as text."""
    ids = {
        int(r.created_by_id)
        for r in rows
        if r.created_by_type == "staff"
        and r.created_by_id is not None
        and r.created_by_id.isdigit()
    }
    if not ids:
        return {}
    names = db.session.execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
    return {str(i): name for i, name in names}


@bp.get("/politicas")
@staff_required(StaffRole.ADMIN)
def policies_index() -> tuple[str, int]:
    rows = [(c, _latest(c)) for c in _creditors_in_scope()]
    return render_template("staff/policies/index.html", rows=rows), 200


@bp.get("/politicas/<int:creditor_id>")
@staff_required(StaffRole.ADMIN)
def policy_versions(creditor_id: int) -> tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    versions = list(
        db.session.scalars(
            sa.select(PolicyVersion)
            .where(PolicyVersion.creditor_id == creditor.id)
            .order_by(PolicyVersion.version.desc())
        )
    )
    return render_template(
        "staff/policies/versions.html",
        creditor=creditor,
        versions=versions,
        authors=_authors(versions),
    ), 200


@bp.get("/politicas/<int:creditor_id>/versoes/<int:version>")
@staff_required(StaffRole.ADMIN)
def policy_version(creditor_id: int, version: int) -> tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    row = db.session.scalar(
        sa.select(PolicyVersion).where(
            PolicyVersion.creditor_id == creditor.id, PolicyVersion.version == version
        )
    )
    if row is None:
        abort(404)
    return render_template(
        "staff/policies/version.html",
        creditor=creditor,
        row=row,
        policy=policy_of(row),
        authors=_authors([row]),
    ), 200


def digest(policy: NegotiationPolicy) -> str:
    """Fingerprint of the rules themselves (not of the id or version)."""
    text = canonical_json(with_ids(policy, "preview", 1))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sample_offer(
    policy: NegotiationPolicy, amount_cents: int, days_overdue: int, kind: DebtorKind, today: date
) -> Offer:
    """What a debt of ``amount_cents``, ``days_overdue`` days late, would be offered today,
    with the first payment on the earliest date the policy allows."""
    item = DomainItem(
        item_id="amostra",
        reference="amostra",
        principal_cents=amount_cents,
        due_date=today - timedelta(days=days_overdue),
    )
    earliest, _latest_day = policy.first_due_window.bounds(today)
    return build_offer(
        [item], policy, anbima_calendar(), debtor_kind=kind, as_of=today, first_due_date=earliest
    )


def _form(latest: PolicyVersion | None) -> PolicyForm:
    current = policy_of(latest) if latest is not None else None
    data = {**(form_data(current) if current else blank_data()), **SAMPLE_DEFAULTS}
    form = PolicyForm(data=data) if request.method in ("GET", "HEAD") else PolicyForm()
    choices = [SelectChoice("none", _("Sem correção monetária"))]
    if current is not None and current.charges.correction is not None:
        name = current.charges.correction.name
        choices.append(SelectChoice("keep", _("Manter a tabela atual (%(name)s)", name=name)))
    form.correction.choices = choices
    return form


def _preview(form: PolicyForm, policy: NegotiationPolicy) -> Offer | None:
    amount, days = form.sample_amount.data, form.sample_days.data
    if not amount:
        form.sample_amount.errors = [_("Informe o valor da dívida de exemplo (maior que zero).")]
    if days is None or days > MAX_SAMPLE_DAYS:
        form.sample_days.errors = [_("Informe os dias de atraso (de 0 a 100.000).")]
    if form.sample_amount.errors or form.sample_days.errors or not amount or days is None:
        return None
    try:
        return sample_offer(policy, amount, days, DebtorKind(form.sample_kind.data), today_br())
    except NegotiationError as error:
        from portal.core.formatting import domain_message

        form.sample_amount.errors = [domain_message(error.message)]
        return None


def _page(
    creditor: Creditor,
    form: PolicyForm,
    latest: PolicyVersion | None,
    *,
    offer: Offer | None = None,
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "staff/policies/edit.html",
        creditor=creditor,
        form=form,
        latest=latest,
        offer=offer,
        errors=error_list(form),
        notice=notice,
    ), status


@bp.route("/politicas/<int:creditor_id>/nova", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def policy_edit(creditor_id: int) -> Response | tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    latest = _latest(creditor)
    form = _form(latest)
    if request.method in ("GET", "HEAD"):
        return _page(creditor, form, latest)
    current = policy_of(latest) if latest is not None else None
    correction = current.charges.correction if current and form.correction.data == "keep" else None
    next_version = (latest.version if latest else 0) + 1
    policy = build_policy(form, str(creditor.id), next_version, correction)
    offer = _preview(form, policy) if policy is not None else None
    if policy is None or offer is None:
        return _page(creditor, form, latest, status=400)
    fingerprint = digest(policy)
    if request.form.get("acao") != "publicar":
        form.previewed.data = fingerprint
        return _page(creditor, form, latest, offer=offer)
    if form.previewed.data != fingerprint:
        form.previewed.data = fingerprint
        notice = _(
            "As regras mudaram depois da prévia. Confira a prévia abaixo e publique de novo."
        )
        return _page(creditor, form, latest, offer=offer, notice=notice, status=409)
    try:
        with unit_of_work(db.session):
            row = publish_policy(
                db.session,
                creditor,
                policy,
                actor=request_actor(),
                note=(form.note.data or "").strip() or None,
            )
    except IntegrityError:
        notice = _("Outra pessoa publicou uma versão agora há pouco. Confira e publique de novo.")
        return _page(creditor, form, _latest(creditor), offer=offer, notice=notice, status=409)
    flash(
        _("Versão %(n)s publicada. As novas simulações já usam estas regras.", n=row.version),
        "success",
    )
    return redirect(url_for("staff.policy_versions", creditor_id=creditor.id), code=303)
