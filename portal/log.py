"""Structured logging with a request id and no PII.

Production writes JSON lines (one object per record); development writes readable lines.
Every record passes through :class:`ScrubFilter`, which masks CPFs, e-mail addresses, phone
numbers and anything shaped like a token, including in request lines such as
``GET /entrar/<token>`` written by the web server, and hides what Celery logs of a task's
arguments and result (a recipient's name cannot be recognised by shape, so it is dropped).
The formatters then mask again what they add on their own: tracebacks (a database error
quotes the offending row), stack traces and extra fields.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter

_CPF_FORMATTED = re.compile(r"(?<!\d)\d{3}\.\d{3}\.\d{3}-\d{2}(?!\d)")
_CNPJ_FORMATTED = re.compile(r"(?<![\w.])\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<![\w.])\+?\d{10,14}(?![\w])")
# Phones as people write them: +55 (11) 98765-4321, (11) 98765-4321, 11 98765-4321.
_PHONE = re.compile(r"(?<![\w.])(?:\+?55[\s.-]?)?\(?\d{2}\)?[\s.-]?9?\d{4}[\s.-]\d{4}(?![\w])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Tokens: long runs of base64url characters mixing letters and digits (22+ characters
# carry 132 bits). Hex digests are caught too, which is harmless.
_TOKENISH = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])"
    r"[A-Za-z0-9_-]{22,}(?![A-Za-z0-9_-])"
)


# Link paths carry a token whatever its letters: a 22-character token has no digit about
# once in 40, so the shape rule above alone would let it through. The Pix webhook's path
# carries its secret (PIX_API_WEBHOOK_SECRET).
_LINK_PATH = re.compile(r"(/(?:a|entrar|callbacks/pix)/)[A-Za-z0-9_-]{16,}")


def scrub(text: str) -> str:
    """Mask personal data and secrets in a log line."""
    text = _LINK_PATH.sub(r"\1[redacted]", text)
    text = _CPF_FORMATTED.sub(lambda m: f"***.{m.group()[4:11]}-**", text)
    text = _CNPJ_FORMATTED.sub("**.***.***/****-**", text)
    text = _TOKENISH.sub("[redacted]", text)
    text = _LONG_DIGITS.sub("[number]", text)
    text = _PHONE.sub("[phone]", text)
    return _EMAIL.sub(r"\1***@\2", text)


def scrub_value(value: Any) -> Any:
    """:func:`scrub` through dicts and lists (structured log fields); other objects as text."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: scrub_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value))


# What Celery's worker and tracer put in a record's context (``%(args)s`` and the ``data``
# extra): arguments and results may carry names, e-mail addresses and links.
_TASK_FIELDS = frozenset({"args", "kwargs", "return_value"})
HIDDEN = "[hidden]"


def _hide_task_fields(context: Mapping[str, Any]) -> dict[str, Any]:
    return {key: HIDDEN if key in _TASK_FIELDS else value for key, value in context.items()}


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = _hide_task_fields(record.args)
        data = getattr(record, "data", None)
        if isinstance(data, Mapping):
            record.data = _hide_task_fields(data)
        message = record.getMessage()
        record.msg = scrub(message)
        record.args = None
        return True


class ScrubbingFormatter(logging.Formatter):
    """Readable lines; the whole line, traceback included, is masked once more."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class ScrubbingJsonFormatter(JsonFormatter):
    """JSON lines; every field (traceback, stack, extras) is masked before serialising.

    Field by field, not on the serialised line: a mask must not cut a JSON escape in two.
    """

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return dict(scrub_value(super().process_log_record(log_data)))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _keep_ours(**_: object) -> None:
    """Celery's ``setup_logging``: a receiver tells the worker not to replace the root
    logger's handlers, which would drop the masking above."""


def configure_logging(log_format: str, level: str) -> None:
    from celery.signals import setup_logging

    setup_logging.connect(_keep_ours, weak=False)
    handler = build_handler(log_format)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_portal", False):
            root.removeHandler(existing)
    handler._portal = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


def build_handler(log_format: str, stream: TextIO | None = None) -> logging.StreamHandler[TextIO]:
    """A handler with the portal's filters and formatter (tests reuse it to scan logs)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(ScrubFilter())
    formatter: logging.Formatter
    if log_format == "json":
        formatter = ScrubbingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    else:
        formatter = ScrubbingFormatter(
            "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
        )
    handler.setFormatter(formatter)
    return handler
