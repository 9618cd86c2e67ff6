"""Input that cannot be stored is refused at the door, before any view or query sees it.

PostgreSQL text cannot hold NUL; a lone UTF-16 surrogate cannot be encoded for any
database; other control characters corrupt exports, PDFs (XML forbids them) and e-mails;
JSON nested deeper than Python's recursion limit crashes the parser. One mechanism covers
every entry point, so no view needs its own check:

* :func:`guard_request`, the first ``before_request`` hook, reads the path, the query
  string, the headers and any form (field names, values and file names);
* :class:`GuardedJSONProvider` replaces Flask's JSON loader, so every
  ``request.get_json()`` refuses over-deep documents, out-of-range integers, ``NaN`` and
  strings that cannot be stored, when the view first reads the body (after the API's own
  size and key checks).

Both raise :class:`UnstorableInput`, which ``portal.errors`` turns into a pt-BR page for
people and problem details for machines (400, or 422 naming the JSON field).

Why hand-written: the rules are a few regular expressions over values Werkzeug already
parsed; no maintained library does "refuse what the database cannot store" as a whole.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

# Free text (form values, JSON strings) may hold tab, line feed and carriage return.
_UNSTORABLE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Names, paths, query strings and header values are one line: no control character at all
# (tab is allowed in headers, as HTTP allows it).
_UNSTORABLE_LINE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_UNSTORABLE_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f]")

MAX_JSON_DEPTH = 32
"""Our deepest request body is three levels; 32 leaves room and stays far from recursion."""
MAX_JSON_INTEGER = 2**63 - 1
"""No column holds more than a signed 64-bit integer."""

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class UnstorableInput(BadRequest):
    """A request carried something no column can hold (or nothing can safely parse).

    ``reason`` is a stable code for machines; ``field`` names the JSON member or form
    field when there is one; ``status`` is 422 for a storable-shaped JSON document with a
    bad value, 400 otherwise.
    """

    def __init__(self, reason: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(description=reason)
        self.code = status
        self.reason = reason
        self.field = field


def _check_line(value: str, where: str, status: int = 400) -> None:
    if _UNSTORABLE_LINE.search(value):
        raise UnstorableInput("invalid_characters", field=where, status=status)


def _check_text(value: str, where: str, status: int = 400) -> None:
    if _UNSTORABLE_TEXT.search(value):
        raise UnstorableInput("invalid_characters", field=where, status=status)


def _strict_utf8(raw: bytes, where: str) -> str:
    """Percent-decode and decode as UTF-8, refusing invalid bytes.

    Werkzeug replaces invalid bytes with U+FFFD, which would store something the person
    never typed; we refuse instead.
    """
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise UnstorableInput("invalid_encoding", field=where) from None


def guard_request() -> None:
    """``before_request``: refuse a path, query string, header or form that cannot be stored."""
    # The URI as the client sent it (every server we run sets one of these): Werkzeug's
    # decoded path has already replaced invalid bytes.
    raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    try:
        raw_path = raw_uri.partition("?")[0].encode("latin-1")
    except UnicodeEncodeError:
        raise UnstorableInput("invalid_encoding", field="path") from None
    _check_line(_strict_utf8(raw_path, "path"), "path")
    _check_line(request.path, "path")
    _check_line(_strict_utf8(request.query_string, "query"), "query")
    for name, value in request.headers.items():
        if _UNSTORABLE_HEADER.search(value):
            raise UnstorableInput("invalid_characters", field=f"header {name}")
    if request.mimetype not in FORM_TYPES:
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        _check_text(_strict_utf8(request.get_data(cache=True), "form"), "form")
    for name, values in request.form.lists():
        _check_line(name or "", "form")
        for value in values:
            _check_text(value, name)
    for name, upload in request.files.items(multi=True):
        _check_line(name or "", "form")
        _check_line(upload.filename or "", name)


# --- JSON ----------------------------------------------------------------------------


def _parse_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_JSON_INTEGER:
        raise UnstorableInput("number_out_of_range", status=422)
    return value


def _refuse_constant(name: str) -> Any:
    raise UnstorableInput("invalid_json_number", status=422)


def _member(path: str, key: object) -> str:
    """``items.0.reference``: the same field notation as the API's validation errors."""
    return f"{path}.{key}" if path else str(key)


def check_json(document: Any) -> None:
    """Walk a parsed document iteratively: depth, and every key and string value."""
    stack: list[tuple[Any, int, str]] = [(document, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            _check_text(value, path or "body", 422)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise UnstorableInput("json_too_deep")
        if isinstance(value, dict):
            for key, item in value.items():
                if _UNSTORABLE_LINE.search(key):  # name it escaped: never echo what we refuse
                    escaped = key.encode("unicode_escape").decode("ascii")
                    raise UnstorableInput(
                        "invalid_characters", field=_member(path, escaped), status=422
                    )
                stack.append((item, depth + 1, _member(path, key)))
        else:
            stack.extend((item, depth + 1, _member(path, i)) for i, item in enumerate(value))


def loads_guarded(data: str | bytes) -> Any:
    """``json.loads`` that refuses what :func:`check_json` refuses, and never recurses away.

    CPython's JSON parser recurses once per nesting level and raises ``RecursionError``
    near the interpreter's limit (1,000); that becomes ``json_too_deep`` like anything
    deeper than :data:`MAX_JSON_DEPTH`.
    """
    try:
        document = json.loads(data, parse_int=_parse_int, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnstorableInput("json_too_deep") from None
    check_json(document)
    return document


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with :func:`loads_guarded` for every request body."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:  # nobody in the portal passes options; keep Flask's behaviour if one does
            return super().loads(s, **kwargs)
        return loads_guarded(s)


def init_input_guard(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    # First of all hooks: before CSRF reads the form and before anything touches the database.
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)
