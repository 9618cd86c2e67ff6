"""Webhook endpoints of the key's creditor (Standard Webhooks signatures)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, url_for

from portal.adapters.webhooks_out.ssrf import UnsafeUrl
from portal.api import present, schemas
from portal.api.blueprint import bp
from portal.api.problems import field_error
from portal.api.spec import operation
from portal.core.clock import now_utc
from portal.domain.errors import N_, Message
from portal.errors import problem
from portal.extensions import db
from portal.models import WebhookEndpoint
from portal.services.integration import webhooks

_UNSAFE = {
    "https_required": "The URL must use https.",
    "malformed_url": "The URL is malformed (no credentials or fragments allowed).",
    "unresolvable_host": "The host name does not resolve.",
    "private_address": "The host resolves to a private, loopback or link-local address.",
}


def _unsafe(exc: UnsafeUrl) -> object:
    message = Message.of(
        f"url_{exc.reason}",
        webhooks.UNSAFE_REASONS_PT.get(exc.reason, N_("o endereço não pode receber avisos")),
    )
    return problem(
        422,
        "Unprocessable Content",
        _UNSAFE.get(exc.reason, "The URL cannot receive webhooks."),
        code=f"url_{exc.reason}",
        errors=[field_error("url", message)],
    )


def _own(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.scalar(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.creditor_id == g.creditor_id,
            WebhookEndpoint.deleted_at.is_(None),
        )
    )
    if endpoint is None:
        abort(404)
    return endpoint


@bp.post("/webhook-endpoints")
@operation(
    "post",
    "/webhook-endpoints",
    summary="Register a webhook endpoint",
    tag="webhooks",
    body=schemas.WebhookEndpointIn,
    response=schemas.WebhookEndpointOut,
    status=201,
)
def create_webhook_endpoint(body: schemas.WebhookEndpointIn) -> object:
    """The response carries the signing ``secret`` once. The URL must be public https; it is
    checked again before every delivery."""
    try:
        endpoint, secret = webhooks.create_endpoint(
            db.session,
            g.creditor_id,
            url=body.url,
            description=body.description,
            event_types=list(body.event_types),
            actor=g.actor,
        )
    except UnsafeUrl as exc:
        return _unsafe(exc)
    location = url_for("api.get_webhook_endpoint", endpoint_id=endpoint.id)
    return present.endpoint(endpoint, secret=secret), 201, {"Location": location}


@bp.get("/webhook-endpoints")
@operation(
    "get",
    "/webhook-endpoints",
    summary="List webhook endpoints",
    tag="webhooks",
    response=schemas.WebhookEndpointList,
)
def list_webhook_endpoints() -> object:
    rows = db.session.scalars(
        sa.select(WebhookEndpoint)
        .where(WebhookEndpoint.creditor_id == g.creditor_id, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    )
    return schemas.WebhookEndpointList(data=[present.endpoint(r) for r in rows])


@bp.get("/webhook-endpoints/<int:endpoint_id>")
@operation(
    "get",
    "/webhook-endpoints/<int:endpoint_id>",
    summary="Get a webhook endpoint",
    tag="webhooks",
    response=schemas.WebhookEndpointOut,
    errors=(404,),
)
def get_webhook_endpoint(endpoint_id: int) -> object:
    return present.endpoint(_own(endpoint_id))


@bp.patch("/webhook-endpoints/<int:endpoint_id>")
@operation(
    "patch",
    "/webhook-endpoints/<int:endpoint_id>",
    summary="Change a webhook endpoint",
    tag="webhooks",
    body=schemas.WebhookEndpointPatch,
    response=schemas.WebhookEndpointOut,
    errors=(404,),
)
def update_webhook_endpoint(endpoint_id: int, body: schemas.WebhookEndpointPatch) -> object:
    endpoint = _own(endpoint_id)
    try:
        webhooks.update_endpoint(
            db.session, endpoint, body.model_dump(exclude_unset=True), actor=g.actor
        )
    except UnsafeUrl as exc:
        return _unsafe(exc)
    return present.endpoint(endpoint)


@bp.delete("/webhook-endpoints/<int:endpoint_id>")
@operation(
    "delete",
    "/webhook-endpoints/<int:endpoint_id>",
    summary="Delete a webhook endpoint",
    tag="webhooks",
    status=204,
    errors=(404,),
)
def delete_webhook_endpoint(endpoint_id: int) -> object:
    webhooks.delete_endpoint(db.session, _own(endpoint_id), actor=g.actor, now=now_utc())
    return None


@bp.post("/webhook-endpoints/<int:endpoint_id>/rotate-secret")
@operation(
    "post",
    "/webhook-endpoints/<int:endpoint_id>/rotate-secret",
    summary="Rotate the signing secret (the old one signs too for 24 hours)",
    tag="webhooks",
    response=schemas.WebhookEndpointOut,
    errors=(404,),
)
def rotate_webhook_secret(endpoint_id: int) -> object:
    endpoint = _own(endpoint_id)
    secret = webhooks.rotate_secret(db.session, endpoint, actor=g.actor, now=now_utc())
    return present.endpoint(endpoint, secret=secret)
