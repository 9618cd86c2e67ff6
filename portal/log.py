"""Structured logging with a request id and no PII.

Production writes JSON lines (one object per record); development writes readable lines.
Every record passes through :class:`ScrubFilter`, which masks CPFs, e-mail addresses, phone
numbers and anything shaped like a token, including in request lines such as
``GET /entrar/<token>`` written by the web server.
"""

from __future__ import annotations

import logging
import re
import sys

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter

_CPF_FORMATTED = re.compile(r"(?<!\d)\d{3}\.\d{3}\.\d{3}-\d{2}(?!\d)")
_CNPJ_FORMATTED = re.compile(r"(?<![\w.])\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<![\w.])\+?\d{10,14}(?![\w])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Tokens: long runs of base64url characters mixing letters and digits (22+ characters
# carry 132 bits). Hex digests are caught too, which is harmless.
_TOKENISH = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])"
    r"[A-Za-z0-9_-]{22,}(?![A-Za-z0-9_-])"
)


# Link paths carry a token whatever its letters: a 22-character token has no digit about
# once in 40, so the shape rule above alone would let it through.
_LINK_PATH = re.compile(r"(/(?:a|entrar)/)[A-Za-z0-9_-]{16,}")


def scrub(text: str) -> str:
    """Mask personal data and secrets in a log line."""
    text = _LINK_PATH.sub(r"\1[redacted]", text)
    text = _CPF_FORMATTED.sub(lambda m: f"***.{m.group()[4:11]}-**", text)
    text = _CNPJ_FORMATTED.sub("**.***.***/****-**", text)
    text = _TOKENISH.sub("[redacted]", text)
    text = _LONG_DIGITS.sub("[number]", text)
    return _EMAIL.sub(r"\1***@\2", text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = scrub(message)
        record.args = None
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(log_format: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(ScrubFilter())
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    else:
        formatter = logging.Formatter(
            "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
        )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_portal", False):
            root.removeHandler(existing)
    handler._portal = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
