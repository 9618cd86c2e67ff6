"""Debtor and pending-item records as companies send them (API, CSV), checked field by field.

Pure: the same checks serve the JSON API (problem details listing every field) and the CSV
import (an error report listing every bad row). A record is either valid and normalised
(document digits, phone in E.164, e-mail lower-cased) or refused with *all* its problems,
each a ``Message`` with a stable code, the field and a pt-BR msgid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from portal.domain.documents import DocumentType, normalise_document
from portal.domain.errors import N_, Message

MAX_REFERENCE = 64
MAX_DESCRIPTION = 200
MAX_NAME = 200
# A single pending item above R$ 10 million is almost certainly a unit mistake (reais sent as
# centavos twice, a typo): refuse it rather than show a debtor an absurd amount.
MAX_AMOUNT_CENTS = 1_000_000_000
EARLIEST_DUE = date(1990, 1, 1)
_PHONE = re.compile(r"\+55\d{10,11}")
_REFERENCE = re.compile(r"[A-Za-z0-9._:-]+")  # safe in a URL path segment
# A plain ASCII address (dot-atom local part of letters, digits and ``+ _ -``): only its
# domain needs the full check, once per domain (a file of 100,000 rows has a few domains).
_PLAIN_EMAIL = re.compile(r"([A-Za-z0-9+_-]+(?:\.[A-Za-z0-9+_-]+)*)@([A-Za-z0-9.-]+)")
MAX_EMAIL = 254
MAX_LOCAL_PART = 64


def normalise_email(raw: str) -> str:
    """``Maria@Example.COM`` → ``maria@example.com``; ValueError when it is not an address.

    The same answer as ``email_validator`` (lower-cased), which checks every address but
    the plain ones; a plain address is checked by its domain's verdict, kept per domain.
    """
    plain = _PLAIN_EMAIL.fullmatch(raw)
    if plain is not None and len(raw) <= MAX_EMAIL and len(plain[1]) <= MAX_LOCAL_PART:
        domain = _email_domain(plain[2])
        if domain is not None:
            return f"{plain[1]}@{domain}".lower()
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError("invalid e-mail address") from error


@lru_cache(maxsize=1024)
def _email_domain(domain: str) -> str | None:
    """The normalised domain, or None when an address at it is refused."""
    try:
        checked = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.domain


def normalise_phone(raw: str) -> str:
    """Brazilian phone numbers in E.164: ``(11) 98765-4321`` → ``+5511987654321``."""
    digits = re.sub(r"\D", "", raw)
    if not raw.strip().startswith("+") and len(digits) in (10, 11):
        digits = "55" + digits
    value = "+" + digits
    if not _PHONE.fullmatch(value):
        raise ValueError("phone must be a Brazilian number with area code")
    return value


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One refused field: which one and why (a translatable message)."""

    field: str
    message: Message


class RecordInvalid(ValueError):
    """A record with one or more refused fields; ``problems`` lists them all."""

    def __init__(self, problems: tuple[FieldProblem, ...]) -> None:
        super().__init__(", ".join(f"{p.field}: {p.message.code}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class DebtorRecord:
    document: str  # digits only
    document_type: DocumentType
    name: str
    email: str | None
    phone: str | None
    birth_date: date | None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    external_reference: str
    description: str
    amount_cents: int
    due_date: date
    bureau_reported: bool | None = None
    """Reported to a credit bureau; None when the sender did not say (kept as it is)."""


def _problem(field: str, code: str, key: str, **params: int | str) -> FieldProblem:
    return FieldProblem(field, Message.of(code, key, **params))


def debtor_record(
    *,
    document: str,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    birth_date: date | None = None,
    today: date,
) -> DebtorRecord:
    """A valid debtor record, or ``RecordInvalid`` naming every bad field."""
    problems: list[FieldProblem] = []
    kind, digits = DocumentType.CPF, ""
    try:
        kind, digits = normalise_document(document)
    except ValueError:
        problems.append(_problem("document", "invalid_document", N_("CPF ou CNPJ inválido")))
    clean_name = " ".join(name.split())
    if not clean_name:
        problems.append(_problem("name", "required", N_("informe o nome")))
    elif len(clean_name) > MAX_NAME:
        problems.append(
            _problem("name", "too_long", N_("no máximo %(max)s caracteres"), max=MAX_NAME)
        )
    clean_email: str | None = None
    if email and email.strip():
        try:
            clean_email = normalise_email(email.strip())
        except ValueError:
            problems.append(_problem("email", "invalid_email", N_("e-mail inválido")))
    clean_phone: str | None = None
    if phone and phone.strip():
        try:
            clean_phone = normalise_phone(phone)
        except ValueError:
            problems.append(
                _problem("phone", "invalid_phone", N_("telefone inválido: use DDD e número"))
            )
    if birth_date is not None and not (date(1900, 1, 1) <= birth_date <= today):
        problems.append(
            _problem("birth_date", "invalid_birth_date", N_("data de nascimento impossível"))
        )
    if problems:
        raise RecordInvalid(tuple(problems))
    return DebtorRecord(digits, kind, clean_name, clean_email, clean_phone, birth_date)


def item_record(
    *,
    external_reference: str,
    description: str,
    amount_cents: int,
    due_date: date,
    today: date,
    bureau_reported: bool | None = None,
) -> ItemRecord:
    """A valid pending-item record, or ``RecordInvalid`` naming every bad field."""
    problems: list[FieldProblem] = []
    reference = external_reference.strip()
    if not reference:
        problems.append(_problem("external_reference", "required", N_("informe a referência")))
    elif len(reference) > MAX_REFERENCE or not _REFERENCE.fullmatch(reference):
        problems.append(
            _problem(
                "external_reference",
                "invalid_reference",
                N_("referência inválida: até %(max)s letras, números e . _ : -"),
                max=MAX_REFERENCE,
            )
        )
    clean_description = " ".join(description.split())
    if not clean_description:
        problems.append(_problem("description", "required", N_("informe a descrição")))
    elif len(clean_description) > MAX_DESCRIPTION:
        problems.append(
            _problem(
                "description", "too_long", N_("no máximo %(max)s caracteres"), max=MAX_DESCRIPTION
            )
        )
    if amount_cents <= 0:
        problems.append(
            _problem("amount", "amount_not_positive", N_("o valor deve ser maior que zero"))
        )
    elif amount_cents > MAX_AMOUNT_CENTS:
        problems.append(
            _problem(
                "amount",
                "amount_too_large",
                N_("valor acima do máximo de %(max)s"),
                max_cents=MAX_AMOUNT_CENTS,
            )
        )
    if not (EARLIEST_DUE <= due_date <= date(today.year + 5, 12, 31)):
        problems.append(
            _problem("due_date", "invalid_due_date", N_("data de vencimento impossível"))
        )
    if problems:
        raise RecordInvalid(tuple(problems))
    return ItemRecord(reference, clean_description, amount_cents, due_date, bureau_reported)
