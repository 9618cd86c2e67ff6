"""portal/domain/documents.py: CPF and CNPJ validation, formatting and masking."""

from __future__ import annotations

import pytest

from portal.domain.documents import (
    DocumentType,
    InvalidDocument,
    format_cnpj,
    format_cpf,
    format_document,
    mask_document,
    normalise_cnpj,
    normalise_cpf,
    normalise_document,
)


@pytest.mark.parametrize("raw", ["529.982.247-25", "52998224725", " 529 982 247 25 "])
def test_valid_cpf_is_normalised(raw: str) -> None:
    assert normalise_cpf(raw) == "52998224725"


@pytest.mark.parametrize(
    "raw",
    [
        "529.982.247-24",
        "111.111.111-11",
        "00000000000",
        "5299822472",
        "529982247255",
        "abc.def.ghi-jk",
        "",
    ],
)
def test_invalid_cpf_is_refused(raw: str) -> None:
    with pytest.raises(InvalidDocument):
        normalise_cpf(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11.222.333/0001-81", "11222333000181"),
        ("11222333000181", "11222333000181"),
        ("12.abc.345/01de-35", "12ABC34501DE35"),
    ],
)
def test_valid_cnpj_including_alphanumeric(raw: str, expected: str) -> None:
    assert normalise_cnpj(raw) == expected


@pytest.mark.parametrize(
    "raw", ["11.222.333/0001-80", "11111111111111", "1122233300018", "12.ABC.345/01DE-36"]
)
def test_invalid_cnpj_is_refused(raw: str) -> None:
    with pytest.raises(InvalidDocument):
        normalise_cnpj(raw)


def test_normalise_document_classifies() -> None:
    assert normalise_document("529.982.247-25") == (DocumentType.CPF, "52998224725")
    assert normalise_document("11.222.333/0001-81") == (DocumentType.CNPJ, "11222333000181")
    with pytest.raises(InvalidDocument):
        normalise_document("123")


def test_formatting() -> None:
    assert format_cpf("52998224725") == "529.982.247-25"
    assert format_cnpj("11222333000181") == "11.222.333/0001-81"
    assert format_document("52998224725") == "529.982.247-25"
    assert format_document("11222333000181") == "11.222.333/0001-81"
    assert format_document("123") == "123"


@pytest.mark.parametrize(
    ("document", "masked"),
    [
        ("12345678909", "***.456.789-**"),
        ("123.456.789-09", "***.456.789-**"),
        ("11222333000181", "**.222.333/0001-**"),
        ("garbage", "***"),
        ("", "***"),
    ],
)
def test_mask_never_shows_the_whole_document(document: str, masked: str) -> None:
    assert mask_document(document) == masked


def test_the_fast_cpf_check_agrees_with_validate_docbr() -> None:
    import random

    from validate_docbr import CPF

    from portal.domain.documents import _cpf_digits_valid

    reference = CPF()
    rng = random.Random(15)
    samples = [reference.generate() for _ in range(2_000)]
    samples += [f"{rng.randrange(10**11):011d}" for _ in range(20_000)]
    samples += [str(d) * 11 for d in range(10)] + ["52998224725", "00000000191"]
    assert any(reference.validate(s) for s in samples[2_000:])  # a few random ones are valid
    for sample in samples:
        assert _cpf_digits_valid(sample) == reference.validate(sample), sample


def test_a_cpf_in_other_digits_is_checked_by_validate_docbr() -> None:
    from portal.domain.documents import InvalidDocument, normalise_cpf

    with pytest.raises(InvalidDocument):
        normalise_cpf("٥٢٩٩٨٢٢٤٧٢٥")  # Arabic-Indic digits match \\d, not the fast check
