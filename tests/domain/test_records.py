"""portal/domain/records.py: company-sent debtors and items, every bad field reported."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.documents import DocumentType
from portal.domain.records import (
    MAX_AMOUNT_CENTS,
    RecordInvalid,
    debtor_record,
    item_record,
    normalise_phone,
)

TODAY = date(2026, 11, 25)


def _codes(exc: pytest.ExceptionInfo[RecordInvalid]) -> dict[str, str]:
    return {p.field: p.message.code for p in exc.value.problems}


def test_a_valid_debtor_is_normalised() -> None:
    record = debtor_record(
        document="037.104.211-95",
        name="  Maria   da Silva ",
        email="Maria@Example.COM",
        phone="(11) 98765-4321",
        birth_date=date(1980, 5, 17),
        today=TODAY,
    )
    assert record.document == "03710421195"
    assert record.document_type == DocumentType.CPF
    assert record.name == "Maria da Silva"
    assert record.email == "maria@example.com"
    assert record.phone == "+5511987654321"


def test_optional_contacts_may_be_blank() -> None:
    record = debtor_record(
        document="11.222.333/0001-81", name="Firma", email=" ", phone="", today=TODAY
    )
    assert (record.email, record.phone, record.birth_date) == (None, None, None)
    assert record.document_type == DocumentType.CNPJ


def test_every_bad_debtor_field_is_reported_at_once() -> None:
    with pytest.raises(RecordInvalid) as refused:
        debtor_record(
            document="111.111.111-11",
            name="   ",
            email="not-an-email",
            phone="123",
            birth_date=date(2030, 1, 1),
            today=TODAY,
        )
    assert _codes(refused) == {
        "document": "invalid_document",
        "name": "required",
        "email": "invalid_email",
        "phone": "invalid_phone",
        "birth_date": "invalid_birth_date",
    }
    assert "document: invalid_document" in str(refused.value)


def test_a_too_long_name() -> None:
    with pytest.raises(RecordInvalid) as refused:
        debtor_record(document="037.104.211-95", name="A" * 201, today=TODAY)
    assert _codes(refused) == {"name": "too_long"}
    assert refused.value.problems[0].message.params_dict() == {"max": 200}


def test_a_valid_item() -> None:
    record = item_record(
        external_reference=" NF-2026:0001 ",
        description=" Fatura   de setembro ",
        amount_cents=12_345,
        due_date=date(2026, 9, 10),
        today=TODAY,
    )
    assert (record.external_reference, record.description) == ("NF-2026:0001", "Fatura de setembro")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"external_reference": " "}, {"external_reference": "required"}),
        ({"external_reference": "a b"}, {"external_reference": "invalid_reference"}),
        ({"external_reference": "a/b"}, {"external_reference": "invalid_reference"}),
        ({"external_reference": "x" * 65}, {"external_reference": "invalid_reference"}),
        ({"description": ""}, {"description": "required"}),
        ({"description": "d" * 201}, {"description": "too_long"}),
        ({"amount_cents": 0}, {"amount": "amount_not_positive"}),
        ({"amount_cents": -5}, {"amount": "amount_not_positive"}),
        ({"amount_cents": MAX_AMOUNT_CENTS + 1}, {"amount": "amount_too_large"}),
        ({"due_date": date(1989, 12, 31)}, {"due_date": "invalid_due_date"}),
        ({"due_date": date(2032, 1, 1)}, {"due_date": "invalid_due_date"}),
    ],
)
def test_bad_items(fields: dict[str, object], expected: dict[str, str]) -> None:
    values: dict[str, object] = {
        "external_reference": "R-1",
        "description": "Fatura",
        "amount_cents": 100,
        "due_date": date(2026, 1, 1),
        **fields,
    }
    with pytest.raises(RecordInvalid) as refused:
        item_record(**values, today=TODAY)  # type: ignore[arg-type]
    assert _codes(refused) == expected


def test_the_largest_amount_and_edge_dates_are_accepted() -> None:
    record = item_record(
        external_reference="R",
        description="D",
        amount_cents=MAX_AMOUNT_CENTS,
        due_date=date(2031, 12, 31),
        today=TODAY,
    )
    assert record.amount_cents == MAX_AMOUNT_CENTS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("(11) 98765-4321", "+5511987654321"), ("+55 21 3333-4444", "+552133334444")],
)
def test_phones(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["123", "+1 415 555 0100", ""])
def test_bad_phones(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "Maria@Example.COM",
        "a.b+c_d-e@sub.example.com.br",
        "a@xn--bcher-kva.de",  # punycode: shown in Unicode, as email_validator does
        "ana@bücher.de",
        '"quoted"@example.com',
        "x@localhost",
        "x@example",
        "x@-bad-.example.com",
        "a..b@example.com",
        "a" * 65 + "@example.com",
        "a" * 60 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com",
        "",
    ],
)
def test_normalise_email_answers_as_email_validator(raw: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    from portal.domain.records import normalise_email

    try:
        expected: str | None = validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    for _twice in range(2):  # the second time, the domain's verdict comes from the cache
        try:
            got: str | None = normalise_email(raw)
        except ValueError:
            got = None
        assert got == expected
