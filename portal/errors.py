"""Error pages in pt-BR for people and problem details (RFC 9457) for machines."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from portal.database import database_busy
from portal.input_guard import UnstorableInput

log = logging.getLogger(__name__)


FALLBACK_500 = (
    '<!doctype html><html lang="pt-BR"><meta charset="utf-8"><title>Erro</title>'
    "<h1>Algo deu errado do nosso lado</h1><p>Tente de novo em alguns instantes.</p></html>"
)


UNSTORABLE_DETAIL = {
    "invalid_characters": "A value holds characters that cannot be stored: NUL, other control "
    "characters (tab, line feed and carriage return are allowed in text), lone surrogates "
    "or U+FFFE/U+FFFF.",
    "invalid_encoding": "The path, query string or form is not valid UTF-8.",
    "json_too_deep": "The JSON document is nested too deeply.",
    "number_out_of_range": "A number in the JSON document is outside the signed 64-bit range.",
    "invalid_json_number": "NaN and Infinity are not JSON numbers.",
}


UNSTORABLE_DETAIL_PT = {
    "invalid_characters": _l(
        "contém caracteres que não podem ser guardados (caracteres de controle invisíveis)"
    ),
    "invalid_encoding": _l("não está em UTF-8 válido"),
    "json_too_deep": _l("o JSON tem níveis demais"),
    "number_out_of_range": _l("número fora do intervalo permitido"),
    "invalid_json_number": _l("NaN e Infinity não são números JSON"),
}

HTTP_PROBLEMS = {
    400: ("bad_request", "The request could not be understood."),
    401: (
        "unauthorized",
        "Send a valid API key: Authorization: Bearer dpk_… (missing, unknown, revoked or "
        "expired keys are refused).",
    ),
    403: ("forbidden", "This key may not do this."),
    404: ("not_found", "There is no such resource, or it belongs to another company."),
    405: ("method_not_allowed", "This resource does not accept this method; see Allow."),
    406: ("not_acceptable", "This resource answers only in JSON."),
    409: ("conflict", "The request conflicts with the resource's current state."),
    413: ("body_too_large", "The body is larger than this API accepts."),
    415: ("unsupported_media_type", "Send the body as JSON."),
    429: ("rate_limited", "Too many requests for this key; wait for Retry-After seconds."),
    503: ("unavailable", "The service is busy; retry shortly."),
}
"""Stable codes and English details of the API's HTTP errors (problem+json)."""


def wants_problem_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def problem(status: int, title: str, detail: str | None = None, **extra: object) -> Response:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _page_text(code: int) -> tuple[str, str]:
    texts = {
        400: (
            _("Não conseguimos entender o pedido"),
            _("Algum dado chegou incompleto. Volte à página anterior e tente de novo."),
        ),
        403: (
            _("Acesso não permitido"),
            _(
                "Você não tem permissão para ver esta página. Se acha que é um engano, "
                "fale com o atendimento."
            ),
        ),
        404: (
            _("Página não encontrada"),
            _("O endereço pode ter sido digitado errado ou a página não existe mais."),
        ),
        405: (_("Ação não permitida"), _("Esta página não aceita esse tipo de pedido.")),
        413: (_("Arquivo grande demais"), _("O conteúdo enviado passa do tamanho permitido.")),
        429: (
            _("Muitas tentativas"),
            _("Por segurança, aguarde alguns minutos antes de tentar de novo."),
        ),
        500: (
            _("Algo deu errado do nosso lado"),
            _("Nenhum dado seu foi perdido. Tente de novo em alguns instantes."),
        ),
    }
    default = (_("Algo não saiu como esperado"), _("Tente de novo em alguns instantes."))
    return texts.get(code, default)


def _render(code: int) -> tuple[str, int]:
    title, message = _page_text(code)
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response | tuple[str, int]:
        if wants_problem_json():
            return problem(400, "CSRF token missing or invalid")
        title = _("A página expirou")
        message = _(
            "Por segurança, formulários valem por pouco tempo. Volte, recarregue a "
            "página e envie de novo."
        )
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(UnstorableInput)
    def _unstorable(error: UnstorableInput) -> Response | tuple[str, int]:
        """Characters, encodings or JSON that cannot be stored: refused, never a 500."""
        status = error.code or 400
        if wants_problem_json():
            detail = UNSTORABLE_DETAIL.get(error.reason, "The request cannot be stored.")
            extra: dict[str, object] = {"code": error.reason}
            if error.field:
                extra["errors"] = [
                    {
                        "field": error.field,
                        "code": error.reason,
                        "message": detail,
                        "message_pt": str(UNSTORABLE_DETAIL_PT.get(error.reason, detail)),
                    }
                ]
            title = "Unprocessable Content" if status == 422 else "Bad Request"
            return problem(status, title, detail, **extra)
        title = _("Não conseguimos aceitar esses dados")
        message = _(
            "O que foi enviado tem caracteres que não podem ser guardados (por exemplo, "
            "caracteres de controle invisíveis). Volte, confira o texto e envie de novo."
        )
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response | tuple[str, int]:
        code = error.code or 500
        if wants_problem_json():
            machine, detail = HTTP_PROBLEMS.get(code, (f"http_{code}", error.name))
            response = problem(code, error.name, detail, code=machine)
        else:
            body, code = _render(code)
            response = app.make_response((body, code))
        for name, value in error.get_headers():
            if name.lower() in {"allow", "retry-after", "www-authenticate"}:
                response.headers[name] = value
        if code == 429 and "Retry-After" not in response.headers:
            from portal.auth.limits import retry_after_seconds

            response.headers["Retry-After"] = str(retry_after_seconds())
        return response

    @app.errorhandler(RedisError)
    def _store_down(error: RedisError) -> Response | tuple[str, int]:
        """Rate-limit storage unreachable: refuse (fail closed) with a 503, never a 500."""
        log.exception("shared store unavailable")
        if wants_problem_json():
            return problem(
                503, "Service Unavailable", "The service is busy; retry shortly.", code="busy"
            )
        return _render(503)

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> Response | tuple[str, int]:
        """A lock waited for too long (SQLite's busy timeout, a PostgreSQL lock timeout or
        deadlock): nothing was written; 503 with Retry-After, never a 500."""
        if not database_busy(error):
            return _unexpected(error)
        log.warning("database busy: %s", type(error.orig).__name__)
        if request.blueprint == "api" and idempotent_post():
            return in_progress()
        if wants_problem_json():
            response = problem(
                503, "Service Unavailable", "The database is busy; retry shortly.", code="busy"
            )
        else:
            body, code = _render(503)
            response = app.make_response((body, code))
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response | tuple[str, int]:
        if isinstance(error, HTTPException):
            return _http(error)
        log.exception("unhandled error")
        if wants_problem_json():
            return problem(
                500, "Internal Server Error", "Something failed on our side.", code="server_error"
            )
        try:
            return _render(500)
        except Exception:  # the error page itself failed: answer with the bare minimum
            log.exception("error page failed to render")
            return FALLBACK_500, 500


def in_progress() -> Response:
    """409 for a duplicate whose original has not finished: retry later with the same key."""
    response = problem(
        409,
        "Conflict",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        code="idempotency_key_in_progress",
    )
    response.headers["Retry-After"] = "1"
    return response


def idempotent_post() -> bool:
    return request.method == "POST" and request.headers.get("Idempotency-Key") is not None
