from decimal import Decimal, localcontext

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.errors import InvalidAmount
from portal.domain.money import (
    MAX_TYPED_CENTS,
    InvalidMoneyText,
    cents_to_decimal,
    decimal_to_cents,
    format_brl,
    parse_brl,
    pct_to_rate,
    percent_of,
    require_cents,
    round_half_up,
    round_up,
)

from .conftest import DOMAIN


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5", 1),  # half-even would give 0
        ("1.5", 2),
        ("2.5", 3),  # half-even would give 2
        ("2.4999", 2),
        ("-0.5", -1),
        ("0", 0),
        ("123456789012.5", 123456789013),
    ],
)
def test_round_half_up(value: str, expected: int) -> None:
    assert round_half_up(Decimal(value)) == expected


def test_rounding_ignores_the_callers_decimal_context() -> None:
    with localcontext() as context:
        context.rounding = "ROUND_HALF_EVEN"
        assert round_half_up(Decimal("2.5")) == 3


@pytest.mark.parametrize(("value", "expected"), [("0.01", 1), ("2.0", 2), ("2.0001", 3)])
def test_round_up(value: str, expected: int) -> None:
    assert round_up(Decimal(value)) == expected


@pytest.mark.parametrize(
    ("cents", "pct", "expected"),
    [(100_000, "2", 2_000), (25, "2", 1), (24, "2", 0), (101_500, "2", 2_030), (1, "50", 1)],
)
def test_percent_of(cents: int, pct: str, expected: int) -> None:
    assert percent_of(cents, Decimal(pct)) == expected


def test_conversions() -> None:
    assert pct_to_rate(Decimal("0.95")) == Decimal("0.0095")
    assert cents_to_decimal(12_345) == Decimal("123.45")
    assert str(cents_to_decimal(5)) == "0.05"
    assert decimal_to_cents(Decimal("1.005")) == 101
    assert decimal_to_cents(Decimal("123.45")) == 12_345


@pytest.mark.parametrize("value", [-1, 1.0, True, "1", None])
def test_require_cents_rejects_non_int_or_negative(value: object) -> None:
    with pytest.raises(InvalidAmount) as caught:
        require_cents("amount_cents", value)  # type: ignore[arg-type]
    assert caught.value.params == {"field": "amount_cents"}


def test_require_cents_minimum() -> None:
    assert require_cents("x", 0) == 0
    assert require_cents("x", 5, minimum=5) == 5
    with pytest.raises(InvalidAmount):
        require_cents("x", 4, minimum=5)


# --- parse_brl: amounts typed by people ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        # The wrong cases: each read differently (or accepted) by the old parser.
        ("50.00", 5_000),  # was R$ 5.000,00
        ("1234.56", 123_456),  # was R$ 123.456,00
        ("50.5", 5_050),
        # pt-BR as people type it.
        ("1.234,56", 123_456),
        ("1234,56", 123_456),
        ("1234,5", 123_450),
        ("R$ 1.234,56", 123_456),
        ("r$1.234.567,8", 123_456_780),
        ("R$\xa010,00", 1_000),
        ("R$\u202f10,00", 1_000),
        (" 7 ", 700),
        ("1 234,56", 123_456),
        ("1234", 123_400),
        ("1.000", 100_000),  # a dot before three digits groups thousands
        ("1.234.567", 123_456_700),
        ("1.234.56", 123_456),  # grouping dots, then the decimal dot
        ("0,05", 5),
        ("0", 0),
        ("007", 700),
        ("1.000.000.000,00", MAX_TYPED_CENTS),
    ],
)
def test_parse_brl_reads_amounts(text: str, cents: int) -> None:
    assert parse_brl(text) == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # The wrong cases.
        ("1,234.56", "mixed_separators"),  # was R$ 1,23
        ("1e9", "exponent"),  # was accepted
        ("0,001", "too_many_decimals"),  # was 0
        # Everything else the rules leave out.
        ("", "empty"),
        ("   ", "empty"),
        ("R$", "empty"),
        ("-5", "sign"),
        ("+5", "sign"),
        ("R$ -50,00", "sign"),
        ("\u22125,00", "sign"),
        ("1E+3", "exponent"),
        ("2.5e-3", "exponent"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("inf", "not_a_number"),
        ("dez reais", "not_a_number"),
        ("\uff11\uff10", "not_a_number"),  # full-width digits
        ("10 R$", "not_a_number"),
        ("1,", "not_a_number"),
        ("1.", "not_a_number"),
        (",50", "not_a_number"),
        (".50", "not_a_number"),
        (",", "not_a_number"),
        ("1,2,3", "several_decimal_marks"),
        ("1,234,56", "several_decimal_marks"),
        ("10,125", "too_many_decimals"),
        ("1.2345", "too_many_decimals"),
        ("0.001", "too_many_decimals"),
        ("00.500", "too_many_decimals"),
        ("12.34,56", "bad_grouping"),
        ("1.23.45", "bad_grouping"),
        ("1234.567", "bad_grouping"),
        ("0.123,45", "bad_grouping"),
        ("1.000.000.000,01", "too_large"),
        ("9" * 40, "too_large"),
    ],
)
def test_parse_brl_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidMoneyText) as caught:
        parse_brl(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)
    assert caught.value.message.key  # a pt-BR msgid the form translates


def test_too_large_names_the_limit() -> None:
    with pytest.raises(InvalidMoneyText) as caught:
        parse_brl("2.000.000.000")
    assert caught.value.message.params_dict() == {"amount_cents": MAX_TYPED_CENTS}


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0,00"), (5, "0,05"), (123_456_789, "1.234.567,89")]
)
def test_format_brl(cents: int, text: str) -> None:
    assert format_brl(cents) == text


@DOMAIN
@given(cents=st.integers(min_value=0, max_value=MAX_TYPED_CENTS))
def test_format_then_parse_round_trips_up_to_one_billion(cents: int) -> None:
    assert parse_brl(format_brl(cents)) == cents
    # What the pages show (Babel's pt-BR currency format, with its non-breaking space).
    shown = format_currency(Decimal(cents).scaleb(-2), "BRL", locale="pt_BR")
    assert parse_brl(shown) == cents
    # Typed on a phone keypad without a comma: dot and two decimals, no grouping.
    assert parse_brl(f"{cents // 100}.{cents % 100:02d}") == cents


@DOMAIN
@given(cents=st.integers(min_value=MAX_TYPED_CENTS + 1, max_value=10**15))
def test_above_one_billion_is_refused(cents: int) -> None:
    with pytest.raises(InvalidMoneyText):
        parse_brl(format_brl(cents))
