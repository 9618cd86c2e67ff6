"""Brazilian taxpayer documents: CPF (people) and CNPJ (companies).

Validation of check digits is delegated to validate-docbr, which also knows the new
alphanumeric CNPJ (Receita Federal, 2026). Documents are stored normalised: CPF as 11
digits, CNPJ as 14 characters (digits, or uppercase letters and digits for the new format).
"""

from __future__ import annotations

import re
from enum import StrEnum

from validate_docbr import CNPJ, CPF

_CPF = CPF()
_CNPJ = CNPJ()
_SEPARATORS = re.compile(r"[\s./-]")
_CPF_SHAPE = re.compile(r"\d{11}")
_CNPJ_SHAPE = re.compile(r"[0-9A-Z]{12}\d{2}")


class DocumentType(StrEnum):
    CPF = "cpf"
    CNPJ = "cnpj"


class InvalidDocument(ValueError):
    """The text is not a valid CPF or CNPJ."""


def _strip(raw: str) -> str:
    return _SEPARATORS.sub("", raw).upper()


def _cpf_digits_valid(value: str) -> bool:
    """validate-docbr's rule for 11 ASCII digits, ten times faster (a CSV file checks a
    million): not all the same digit, and both check digits right."""
    digits = [int(char) for char in value]
    first = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) * 10 % 11
    second = sum(d * w for d, w in zip(digits[:10], range(11, 1, -1), strict=True)) * 10 % 11
    return len(set(value)) > 1 and digits[9] == first % 10 and digits[10] == second % 10


def normalise_cpf(raw: str) -> str:
    """Return the 11 digits of a valid CPF, or raise :class:`InvalidDocument`."""
    value = _strip(raw)
    if not _CPF_SHAPE.fullmatch(value):
        raise InvalidDocument("invalid CPF")
    valid = _cpf_digits_valid(value) if value.isascii() else _CPF.validate(value)
    if not valid:
        raise InvalidDocument("invalid CPF")
    return value


def normalise_cnpj(raw: str) -> str:
    """Return the 14 characters of a valid CNPJ, or raise :class:`InvalidDocument`."""
    value = _strip(raw)
    if not _CNPJ_SHAPE.fullmatch(value) or not _CNPJ.validate(value):
        raise InvalidDocument("invalid CNPJ")
    return value


def normalise_document(raw: str) -> tuple[DocumentType, str]:
    """Classify and normalise a CPF or CNPJ typed by a person or sent by an API client."""
    value = _strip(raw)
    if len(value) == 11:
        return DocumentType.CPF, normalise_cpf(value)
    if len(value) == 14:
        return DocumentType.CNPJ, normalise_cnpj(value)
    raise InvalidDocument("a CPF has 11 digits and a CNPJ 14 characters")


def format_cpf(cpf: str) -> str:
    """``52998224725`` → ``529.982.247-25``."""
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


def format_cnpj(cnpj: str) -> str:
    """``11222333000181`` → ``11.222.333/0001-81``."""
    return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"


def format_document(document: str) -> str:
    """Format a normalised CPF or CNPJ; anything else is returned unchanged."""
    if len(document) == 11:
        return format_cpf(document)
    if len(document) == 14:
        return format_cnpj(document)
    return document


def mask_document(document: str) -> str:
    """Hide the digits that identify a person, keeping enough to recognise the document.

    CPF ``52998224725`` → ``***.982.247-**`` (the format Receita Federal and LGPD guidance
    use); CNPJ ``11222333000181`` → ``**.222.333/0001-**``. Anything that is not a
    normalised document is fully masked, so a malformed value never leaks.
    """
    value = _strip(document)
    if _CPF_SHAPE.fullmatch(value):
        return f"***.{value[3:6]}.{value[6:9]}-**"
    if _CNPJ_SHAPE.fullmatch(value):
        return f"**.{value[2:5]}.{value[5:8]}/{value[8:12]}-**"
    return "***"
