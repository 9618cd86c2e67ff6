"""Operations declared with pydantic models, validated at the edge, and the OpenAPI document.

Why pydantic and a small registry rather than a framework (flask-smorest, APIFlask,
flask-openapi3): pydantic v2 emits JSON Schema 2020-12, which *is* OpenAPI 3.1's schema
dialect, so the document is generated from the very classes that validate requests and
shape responses; and we keep Flask's routing, our problem-details errors (RFC 9457), our
idempotency layer and our rate limits without adapting to a framework's conventions.

``@operation(...)`` on a view:

* parses ``request.get_json()`` into ``body`` (415 on a wrong Content-Type, 422 listing
  every invalid field), and ``request.args`` into ``query``;
* lets the view return a model (200), or ``(model, status)`` / ``(model, status, headers)``,
  or ``None`` with ``status=204``;
* records the metadata ``openapi_document()`` turns into paths and components.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, cast

from flask import Response, current_app, request
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import models_json_schema

from portal.api import rules
from portal.core.clock import today_br
from portal.errors import problem

JSON_TYPES = ("application/json",)
MAX_ID = 2**31 - 1  # ids are 32-bit on every database we run


@dataclass
class Operation:
    method: str
    path: str  # Flask rule relative to the blueprint, e.g. "/items/<reference>"
    summary: str
    tag: str
    operation_id: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    description: str = ""
    idempotent_post: bool = False
    also: tuple[int, ...] = ()  # other success statuses with the same body
    path_params: dict[str, str] = field(default_factory=dict)


REGISTRY: list[Operation] = []


class ProblemField(BaseModel):
    """One invalid field (or the field a refused rule is about)."""

    field: str = Field(description="Dotted path, e.g. items.3.amount_cents, or query, path…")
    code: str = Field(description="Stable, for programs")
    message: str = Field(description="In English, for developers")
    message_pt: str = Field(description="In Brazilian Portuguese, to show your staff")


class ProblemDetail(BaseModel):
    """RFC 9457 problem details. Every error has a stable ``code``, a ``title`` and a
    ``detail`` in English; ``errors`` lists invalid fields (422) or the field a refused
    rule is about, each with ``message`` and ``message_pt``."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemField] | None = None


def pydantic_errors(exc: ValidationError, where: str, prefix: str = "") -> list[dict[str, str]]:
    from portal.api.messages import validation_message
    from portal.api.problems import field_error

    return [
        field_error(
            prefix + (".".join(str(p) for p in err["loc"]) or where),
            validation_message(err),
        )
        for err in exc.errors(include_url=False, include_input=False)
    ]


def validation_problem(exc: ValidationError, where: str) -> Response:
    errors = pydantic_errors(exc, where)
    return problem(
        422,
        "Unprocessable Content",
        f"The {where} has invalid fields.",
        code="validation_error",
        errors=errors,
    )


def _parse_body(model: type[BaseModel]) -> BaseModel | Response:
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES:
        return problem(
            415,
            "Unsupported Media Type",
            "Send the body as JSON with Content-Type: application/json.",
            code="unsupported_media_type",
        )
    data = request.get_json(silent=True)
    if data is None:
        return problem(400, "Bad Request", "The body is not valid JSON.", code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return validation_problem(exc, "body")


def _parse_query(model: type[BaseModel]) -> BaseModel | Response:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        return validation_problem(exc, "query")


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    description: str = "",
    path_params: dict[str, str] | None = None,
    also: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Response]:
        REGISTRY.append(
            Operation(
                method=method.lower(),
                path=path,
                summary=summary,
                tag=tag,
                operation_id=view.__name__,
                body=body,
                query=query,
                response=response,
                status=status,
                errors=errors,
                description=description or (view.__doc__ or "").strip(),
                idempotent_post=method.lower() == "post",
                also=also,
                path_params=path_params or {},
            )
        )

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            from portal.api.unit_of_work import run_in_unit_of_work

            return run_in_unit_of_work(lambda: _call(args, kwargs), method.lower())

        def _call(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Response:
            if body is not None:
                parsed = _parse_body(body)
                if isinstance(parsed, Response):
                    return parsed
                kwargs["body"] = parsed
            if query is not None:
                parsed_query = _parse_query(query)
                if isinstance(parsed_query, Response):
                    return parsed_query
                kwargs["query"] = parsed_query
            result = view(*args, **kwargs)
            return _to_response(result, status)

        return wrapper

    return decorate


def _to_response(result: Any, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    headers: dict[str, str] = {}
    status = default_status
    if isinstance(result, tuple):
        result, status, *rest = result
        if rest:
            headers = rest[0]
    if result is None:
        response = Response(status=status)
    else:
        response = current_app.response_class(
            cast(BaseModel, result).model_dump_json(by_alias=True) + "\n",
            status=status,
            mimetype="application/json",
        )
    response.headers.update(headers)
    return response


_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _openapi_path(rule: str) -> tuple[str, list[tuple[str, str]]]:
    params: list[tuple[str, str]] = []

    def repl(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "string", match.group(2)
        params.append((name, "integer" if converter == "int" else "string"))
        return "{" + name + "}"

    return _RULE_PARAM.sub(repl, rule), params


_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request (also: characters that cannot be stored, JSON nested too deeply)",
    401: "Missing or invalid API key",
    404: "Not found (or not yours)",
    409: "Conflict",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid fields",
    429: "Rate limit exceeded (see Retry-After)",
}


def _query_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: an optional value is absent, never ``null``."""
    schema = {k: v for k, v in prop.items() if k not in {"title", "anyOf", "default"}}
    for branch in prop.get("anyOf", []):
        if branch.get("type") != "null":
            schema = {**branch, **schema}
    if "default" in prop and prop["default"] is not None:
        schema["default"] = prop["default"]
    return schema


def _state_dynamic_rules(schemas: dict[str, Any], *, allow_http: bool) -> None:
    """Rules that depend on the day or on this server's configuration, written out."""
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            if prop.pop("x-not-after", None) == "today":
                for branch in prop.get("anyOf", [prop]):
                    if branch.get("type") == "string":
                        branch.pop("format", None)
                        branch["pattern"] = rules.past_date_pattern(today_br())
            for branch in prop.get("anyOf", [prop]):
                if branch.get("pattern") == rules.WEBHOOK_URL:
                    branch["pattern"] = rules.webhook_url_pattern(allow_http)


def openapi_document(
    prefix: str, title: str, version: str, server_url: str, *, allow_http: bool = False
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every registered operation."""
    keyed: set[tuple[type[BaseModel], Any]] = {(ProblemDetail, "serialization")}
    for op in REGISTRY:
        for model in (op.body, op.query):
            if model is not None:
                keyed.add((model, "validation"))
        if op.response is not None:
            keyed.add((op.response, "serialization"))
    refs, top = models_json_schema(
        sorted(keyed, key=lambda pair: (pair[0].__name__, pair[1])),
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = top.get("$defs", {})
    _state_dynamic_rules(schemas, allow_http=allow_http)

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return dict(refs[(model, mode)])  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for op in REGISTRY:
        path, params = _openapi_path(op.path)
        entry: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "security": [{"bearerAuth": []}],
            "parameters": [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": kind, "minimum": 1, "maximum": MAX_ID}
                    if kind == "integer"
                    else {"type": kind, "pattern": rules.REFERENCE},
                    "description": op.path_params.get(name, ""),
                }
                for name, kind in params
            ],
            "responses": {},
        }
        if op.description:
            entry["description"] = op.description
        if op.query is not None:
            query_schema = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                entry["parameters"].append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "schema": _query_schema(prop),
                        "description": prop.get("description", ""),
                    }
                )
        if op.idempotent_post:
            entry["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "pattern": rules.IDEMPOTENCY_KEY},
                    "description": "1 to 255 printable ASCII characters (no space at either "
                    "end; else 400 `invalid_idempotency_key`). Same key and body within 24 h: "
                    "the same response. Same key, other body: 409.",
                }
            )
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body, "validation")}},
            }
        ok: dict[str, Any] = {"description": _STATUS_TEXT.get(op.status, "OK")}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": ref(op.response, "serialization")}}
        entry["responses"][str(op.status)] = ok
        for extra in op.also:
            entry["responses"][str(extra)] = {**ok, "description": _STATUS_TEXT[extra]}
        # 400 everywhere: a path, query string or header that cannot be stored (NUL, other
        # control characters, invalid UTF-8) is refused before any view (portal.input_guard).
        codes = {400, 401, 429, *op.errors}
        if op.body is not None:
            codes |= {400, 413, 415, 422}
        if op.query is not None:
            codes |= {400, 422}  # 400: a malformed cursor or a time without a zone
        if op.idempotent_post:
            codes |= {400, 409}  # 400: a malformed Idempotency-Key
        for code in sorted(codes):
            entry["responses"][str(code)] = {
                "description": _STATUS_TEXT.get(code, "Error"),
                "content": {
                    "application/problem+json": {"schema": ref(ProblemDetail, "serialization")}
                },
            }
        paths.setdefault(prefix + path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": title,
            "version": version,
            "description": "Companies push debtors and pending items, pull access links, list "
            "agreements and payments, and register signed webhooks. Errors are "
            "RFC 9457 problem details. See docs/api.md for a walk-through.",
        },
        "servers": [{"url": server_url}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "dpk_…"}
            },
        },
    }
