"""Problem details for refused records and portfolio rules, in English for developers.

Field messages also come in pt-BR (``message_pt``) so a company can show them to its staff.
"""

from __future__ import annotations

from flask import Response
from flask_babel import force_locale

from portal.core.formatting import domain_message
from portal.domain.errors import Message
from portal.domain.records import RecordInvalid
from portal.errors import problem


def message_pair(message: Message) -> tuple[str, str]:
    with force_locale("en"):
        english = domain_message(message)
    with force_locale("pt_BR"):
        portuguese = domain_message(message)
    return english, portuguese


def field_errors(invalid: RecordInvalid) -> list[dict[str, str]]:
    return [field_error(item.field, item.message) for item in invalid.problems]


def record_problem(invalid: RecordInvalid) -> Response:
    return problem(
        422,
        "Unprocessable Content",
        "The record has invalid fields.",
        code="validation_error",
        errors=field_errors(invalid),
    )


def field_error(field: str, message: Message) -> dict[str, str]:
    english, portuguese = message_pair(message)
    return {"field": field, "code": message.code, "message": english, "message_pt": portuguese}


def rule_problem(message: Message, status: int = 409, field: str = "status") -> Response:
    """A business rule refused the request: ``detail`` in English, the pt-BR text in the
    one entry of ``errors`` (on ``field``), like every other field error."""
    english, _ = message_pair(message)
    return problem(
        status,
        "Conflict" if status == 409 else "Unprocessable Content",
        english,
        code=message.code,
        errors=[field_error(field, message)],
    )
