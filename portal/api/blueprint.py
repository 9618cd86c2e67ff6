"""The ``api`` blueprint object and its request hooks (views import it from here)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from portal.api.spec import MAX_ID
from portal.auth.api_keys import api_key_required, rate_limit_key
from portal.auth.limits import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ReferenceConverter(BaseConverter):
    """A company's external reference in a path; ``batch`` is reserved, so
    ``/items/batch`` is only the batch resource (its ``Allow`` lists POST alone)."""

    regex = r"(?!batch$)[^/]+"


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("reference", ReferenceConverter)


PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs"}


@bp.before_request
def _guard() -> None:
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            abort(404)  # no row has such an id; never let it reach the database
    if request.content_length and request.content_length > request.max_content_length:
        abort(413)
    api_key_required(lambda: None)()
    return None


@bp.after_request
def _headers(response):  # type: ignore[no-untyped-def]
    response.headers["Cache-Control"] = "no-store"
    return response


limiter.limit(
    lambda: current_app.config["API_RATE_LIMIT"],
    key_func=rate_limit_key,
    exempt_when=lambda: request.endpoint in PUBLIC_ENDPOINTS,
)(bp)
