from decimal import Decimal, localcontext

import pytest

from portal.domain.errors import InvalidAmount
from portal.domain.money import (
    cents_to_decimal,
    decimal_to_cents,
    pct_to_rate,
    percent_of,
    require_cents,
    round_half_up,
    round_up,
)


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
