"""portal/forms.py: money typed the Brazilian way becomes exact centavos."""

from __future__ import annotations

import pytest

from portal.forms import parse_money


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1.234,56", 123456),
        ("1234,56", 123456),
        ("R$ 1.234,56", 123456),
        ("50", 5000),
        ("0,005", 1),
        ("0,004", 0),
        ("10,5", 1050),
        ("R$\u00a099,90", 9990),
        (" 7 ", 700),
    ],
)
def test_parse_money_pt_br(text: str, cents: int) -> None:
    assert parse_money(text) == cents


def test_parse_money_english() -> None:
    assert parse_money("1,234.56", "en") == 123456


@pytest.mark.parametrize("text", ["", "abc", "-5", "1e400", "NaN", "999999999999,00", "R$"])
def test_parse_money_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)
