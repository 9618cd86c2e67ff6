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
    errors = []
    for item in invalid.problems:
        english, portuguese = message_pair(item.message)
        errors.append(
            {
                "field": item.field,
                "code": item.message.code,
                "message": english,
                "message_pt": portuguese,
            }
        )
    return errors


def record_problem(invalid: RecordInvalid) -> Response:
    return problem(
        422,
        "Unprocessable Content",
        "The record has invalid fields.",
        code="validation_error",
        errors=field_errors(invalid),
    )


def rule_problem(message: Message, status: int = 409) -> Response:
    english, portuguese = message_pair(message)
    return problem(
        status,
        "Conflict" if status == 409 else "Unprocessable Content",
        english,
        code=message.code,
        detail_pt=portuguese,
    )
