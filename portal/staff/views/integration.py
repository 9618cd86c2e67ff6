"""Company integration in the back-office (admins): API keys, endpoints and the latest
webhook deliveries (the whole log: ``deliveries``).

A key's secret is shown once, on the page that creates or rotates it, and never again.
Every action is audited and limited to the admin's creditors (404 outside them).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import staff_required
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.models import ApiKey, Creditor, StaffRole, WebhookEndpoint
from portal.services.backoffice import DeliveryFilter, deliveries
from portal.services.integration import create_key, revoke_key, rotate_key
from portal.staff.blueprint import bp
from portal.staff.forms import ConfirmForm

ADMIN = StaffRole.ADMIN


def creditor_or_404(creditor_id: int) -> Creditor:
    scope = g.staff.scope_ids()
    creditor = db.session.get(Creditor, creditor_id)
    if creditor is None or (scope is not None and creditor_id not in scope):
        abort(404)
    return creditor


def _creditors() -> list[Creditor]:
    statement = sa.select(Creditor).order_by(Creditor.trade_name)
    scope = g.staff.scope_ids()
    if scope is not None:
        statement = statement.where(Creditor.id.in_(scope or {-1}))
    return list(db.session.scalars(statement))


def _page(
    creditor: Creditor, *, new_secret: str | None = None, status: int = 200
) -> tuple[str, int]:
    keys = db.session.scalars(
        sa.select(ApiKey).where(ApiKey.creditor_id == creditor.id).order_by(ApiKey.id.desc())
    ).all()
    endpoints = db.session.scalars(
        sa.select(WebhookEndpoint)
        .where(WebhookEndpoint.creditor_id == creditor.id, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    ).all()
    recent = deliveries(db.session, creditor.id, DeliveryFilter(), limit=10)
    return (
        render_template(
            "staff/integration/show.html",
            creditor=creditor,
            keys=keys,
            endpoints=endpoints,
            deliveries=recent,
            new_secret=new_secret,
            now=now_utc(),
            form=ConfirmForm(),
        ),
        status,
    )


@bp.get("/integracao")
@staff_required(ADMIN)
def integration_index() -> str:
    return render_template("staff/integration/index.html", creditors=_creditors())


@bp.get("/integracao/<int:creditor_id>")
@staff_required(ADMIN)
def integration_show(creditor_id: int) -> tuple[str, int]:
    return _page(creditor_or_404(creditor_id))


def confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.post("/integracao/<int:creditor_id>/chaves")
@staff_required(ADMIN)
def api_key_create(creditor_id: int) -> tuple[str, int]:
    creditor = creditor_or_404(creditor_id)
    confirmed()
    name = (request.form.get("name") or "").strip()[:80] or _("Integração")
    with unit_of_work(db.session):
        secret = create_key(
            db.session, creditor.id, name, actor=request_actor(), staff_id=g.staff.id
        )[1]
    return _page(creditor, new_secret=secret, status=201)


def _key_or_404(creditor: Creditor, key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None or key.creditor_id != creditor.id:
        abort(404)
    return key


@bp.post("/integracao/<int:creditor_id>/chaves/<int:key_id>/trocar")
@staff_required(ADMIN)
def api_key_rotate(creditor_id: int, key_id: int) -> tuple[str, int]:
    creditor = creditor_or_404(creditor_id)
    confirmed()
    key = _key_or_404(creditor, key_id)
    if key.revoked_at is not None:
        abort(409)
    with unit_of_work(db.session):
        _key, secret = rotate_key(
            db.session, key, actor=request_actor(), now=now_utc(), staff_id=g.staff.id
        )
    return _page(creditor, new_secret=secret, status=201)


@bp.get("/integracao/<int:creditor_id>/chaves/<int:key_id>/revogar")
@staff_required(ADMIN)
def api_key_revoke_confirm(creditor_id: int, key_id: int) -> str:
    """Revoking cannot be undone: a page asks first (the POST comes only from it)."""
    creditor = creditor_or_404(creditor_id)
    key = _key_or_404(creditor, key_id)
    if key.revoked_at is not None:
        abort(404)
    return render_template(
        "staff/integration/revoke.html", creditor=creditor, key=key, form=ConfirmForm()
    )


@bp.post("/integracao/<int:creditor_id>/chaves/<int:key_id>/revogar")
@staff_required(ADMIN)
def api_key_revoke(creditor_id: int, key_id: int) -> Response:
    creditor = creditor_or_404(creditor_id)
    confirmed()
    key = _key_or_404(creditor, key_id)
    if key.revoked_at is None:
        with unit_of_work(db.session):
            revoke_key(db.session, key, actor=request_actor(), now=now_utc())
        flash(_("Chave “%(name)s” revogada. Ela não abre mais a API.", name=key.name), "success")
    return redirect(url_for("staff.integration_show", creditor_id=creditor.id), code=303)
