"""Company integration in the back-office (admins): API keys and the webhook delivery log.

A key's secret is shown once, on the page that creates or rotates it, and never again.
Every action is audited and limited to the admin's creditors (404 outside them).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import staff_required
from portal.core.after_commit import enqueue_after_commit
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.models import (
    ApiKey,
    Creditor,
    DeliveryStatus,
    OutboxEvent,
    StaffRole,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.services.integration import DUE_TASK, create_key, revoke_key, rotate_key, webhooks
from portal.staff.blueprint import bp
from portal.staff.forms import ConfirmForm

ADMIN = StaffRole.ADMIN


def _creditor_or_404(creditor_id: int) -> Creditor:
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
    deliveries = db.session.execute(
        sa.select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.creditor_id == creditor.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(50)
    ).all()
    return (
        render_template(
            "staff/integration/show.html",
            creditor=creditor,
            keys=keys,
            endpoints=endpoints,
            deliveries=deliveries,
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
    return _page(_creditor_or_404(creditor_id))


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.post("/integracao/<int:creditor_id>/chaves")
@staff_required(ADMIN)
def api_key_create(creditor_id: int) -> tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    _confirmed()
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
    creditor = _creditor_or_404(creditor_id)
    _confirmed()
    key = _key_or_404(creditor, key_id)
    if key.revoked_at is not None:
        abort(409)
    with unit_of_work(db.session):
        _key, secret = rotate_key(
            db.session, key, actor=request_actor(), now=now_utc(), staff_id=g.staff.id
        )
    return _page(creditor, new_secret=secret, status=201)


@bp.post("/integracao/<int:creditor_id>/chaves/<int:key_id>/revogar")
@staff_required(ADMIN)
def api_key_revoke(creditor_id: int, key_id: int) -> tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    _confirmed()
    with unit_of_work(db.session):
        revoke_key(db.session, _key_or_404(creditor, key_id), actor=request_actor(), now=now_utc())
    return _page(creditor)


@bp.get("/integracao/<int:creditor_id>/entregas/<int:delivery_id>")
@staff_required(ADMIN)
def delivery_show(creditor_id: int, delivery_id: int) -> str:
    creditor = _creditor_or_404(creditor_id)
    delivery = _delivery_or_404(creditor, delivery_id)
    attempts = db.session.scalars(
        sa.select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.id)
    ).all()
    return render_template(
        "staff/integration/delivery.html",
        creditor=creditor,
        delivery=delivery,
        event=db.session.get_one(OutboxEvent, delivery.event_id),
        attempts=attempts,
        form=ConfirmForm(),
    )


def _delivery_or_404(creditor: Creditor, delivery_id: int) -> WebhookDelivery:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint.creditor_id != creditor.id:
        abort(404)
    return delivery


@bp.post("/integracao/<int:creditor_id>/entregas/<int:delivery_id>/reenviar")
@staff_required(ADMIN)
def delivery_replay(creditor_id: int, delivery_id: int) -> Response | tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    _confirmed()
    delivery = _delivery_or_404(creditor, delivery_id)
    if delivery.status == DeliveryStatus.PENDING:
        abort(409)
    with unit_of_work(db.session):
        webhooks.replay(db.session, delivery, actor=request_actor(), now=now_utc())
        enqueue_after_commit(db.session, DUE_TASK)
    return _page(creditor)
