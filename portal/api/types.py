"""Field types shared by the bodies of /api/v1 (``portal.api.schemas``): each states in the
OpenAPI document the rule the server enforces (patterns from ``portal.api.rules``)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from portal.api import rules
from portal.domain.documents import normalise_document

Reference = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=rules.REFERENCE),
    Field(description="Your reference: letters, digits and . _ : - (`batch` is reserved)"),
]


def _valid_document(value: str) -> str:
    """A valid CPF/CNPJ, normalised (digits; a CNPJ's letters upper case): views use it as it
    is instead of checking the digits a second time (a batch of 1,000 items did it twice)."""
    try:
        return normalise_document(value)[1]
    except ValueError:
        raise PydanticCustomError("invalid_document", "invalid CPF or CNPJ") from None


def _valid_email(value: str) -> str:
    if value.strip():
        try:
            validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError:
            raise PydanticCustomError("invalid_email", "invalid e-mail address") from None
    return value


Document = Annotated[
    str,
    StringConstraints(min_length=11, max_length=18, pattern=rules.DOCUMENT),
    AfterValidator(_valid_document),
    Field(
        description=rules.DOCUMENT_DESCRIPTION,
        json_schema_extra={"format": rules.DOCUMENT_FORMAT},
    ),
]


def _json_integer(value: object) -> object:
    """A JSON integer: ``3`` or ``3.0`` (JSON Schema counts both), never ``"3"`` nor ``true``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return int(value)
    return value


def _full_date(value: object) -> object:
    """``YYYY-MM-DD`` only: not a number of seconds, not a date-time."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _FULL_DATE.fullmatch(value):
        raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")
    return value


def date_time_text(value: object) -> object:
    try:
        if not isinstance(value, str):
            raise ValueError("not text")
        rules.parse_date_time(value)
    except ValueError:
        raise PydanticCustomError(
            "invalid_date_time", "Input should be an RFC 3339 date-time with a time zone"
        ) from None
    return value


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
JsonInt = Annotated[int, BeforeValidator(_json_integer)]
IsoDate = Annotated[date, BeforeValidator(_full_date)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=rules.NONBLANK_TEXT)]
Text = Annotated[str, StringConstraints(max_length=200, pattern=rules.TEXT)]
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_valid_email),
    Field(
        description="An e-mail address (not at a special-use domain such as .test or .local), "
        "or blank (the same as leaving it out)",
        json_schema_extra={
            "anyOf": [
                {"format": "email", "pattern": rules.EMAIL_DELIVERABLE},
                {"pattern": rules.EMPTY},
            ]
        },
    ),
]
Phone = Annotated[
    str,
    StringConstraints(max_length=20, pattern=rules.PHONE),
    Field(description="Brazilian number with area code, e.g. (11) 98765-4321 or +5511987654321"),
]
EventType = Literal[
    "agreement.accepted",
    "agreement.completed",
    "agreement.broken",
    "agreement.lapsed",
    "agreement.cancelled",
    "payment.succeeded",
    "payment.refunded",
    "item.disputed",
    "data_request.created",
    "data_request.completed",
    "item.dispute_resolved",
    "item.bureau_removed",
    "reminder.sent",
    "reminder.failed",
]


class Strict(BaseModel):
    # The patterns in ``portal.api.rules`` mean the same in Python's ``re`` and in ECMA-262.
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")
