"""portal.domain.search: folding names and reading what a support agent typed."""

from __future__ import annotations

import pytest

from portal.domain.search import QueryKind, SearchQuery, escape_like, fold, parse_query


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("João", "joao"),
        ("ANTÔNIA", "antonia"),
        ("  José   da  Conceição ", "jose da conceicao"),
        ("Ærø ﬁ", "ærø fi"),  # compatibility forms decomposed; letters without a base kept
    ],
)
def test_fold_removes_case_accents_and_extra_blanks(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_an_email_is_searched_as_typed() -> None:
    assert parse_query("  Maria@Example.com ") == SearchQuery(QueryKind.EMAIL, "Maria@Example.com")


@pytest.mark.parametrize(
    ("raw", "digits"),
    [("529.982.247-25", "52998224725"), ("(41) 99999-0000", "41999990000"), ("2247", "2247")],
)
def test_digits_with_punctuation_are_a_document_or_phone_part(raw: str, digits: str) -> None:
    assert parse_query(raw) == SearchQuery(QueryKind.DIGITS, digits)


@pytest.mark.parametrize("raw", ["", "   ", "123", "Jo", " é "])
def test_too_short_to_search(raw: str) -> None:
    assert parse_query(raw).kind is QueryKind.NONE


def test_a_name_is_folded_into_words() -> None:
    assert parse_query("JOSÉ  Silva") == SearchQuery(QueryKind.NAME, words=("jose", "silva"))
    assert parse_query("R2-D2").kind is QueryKind.NAME


def test_like_wildcards_are_escaped() -> None:
    assert escape_like(r"50%_a\b") == r"50\%\_a\\b"
