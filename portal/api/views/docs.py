"""The OpenAPI 3.1 document and a human-readable page rendered from it (no script)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from werkzeug.wrappers import Response

from portal.api.blueprint import bp
from portal.api.spec import openapi_document


def _document() -> dict[str, Any]:
    base = current_app.config["BASE_URL"]
    return openapi_document(
        "/api/v1",
        "Portal de Acordos API",
        "1.0.0",
        base,
        allow_http=bool(current_app.config["WEBHOOKS_ALLOW_HTTP"]),
    )


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(_document())


@bp.get("/docs")
def docs() -> str:
    return render_template("api/docs.html", spec=_document())
