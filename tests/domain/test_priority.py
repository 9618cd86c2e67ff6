"""The priority score: documented points, and the order it gives."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.domain.priority import PriorityInput, balance_points, priority_score, rank_key


def account(debtor_id: int = 1, **overrides: object) -> PriorityInput:
    values: dict[str, object] = {
        "debtor_id": debtor_id,
        "balance_cents": 100_000,
        "days_overdue": 45,
        "has_paid": False,
        "has_broken": False,
    }
    values.update(overrides)
    return PriorityInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cents", "points"),
    [
        (0, Decimal("0.00")),
        (1, Decimal("0.00")),  # 40 × 1 / 1 000 000 = 0.00004
        (12_345, Decimal("0.49")),  # 40 × 12 345 / 1 000 000 = 0.4938
        (12_500, Decimal("0.50")),  # exactly 0.5
        (500_000, Decimal("20.00")),
        (1_000_000, Decimal("40.00")),
        (9_000_000, Decimal("40.00")),  # capped
    ],
)
def test_balance_points_are_linear_up_to_the_cap(cents: int, points: Decimal) -> None:
    assert balance_points(cents) == points


def test_balance_points_round_half_up() -> None:
    # 40 × 125 / 1 000 000 = 0.005 → 0.01 (half-even would give 0.00)
    assert balance_points(125) == Decimal("0.01")


def test_a_negative_balance_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        balance_points(-1)


@pytest.mark.parametrize(
    ("overrides", "score"),
    [
        # 40 × 100 000 / 1 000 000 = 4.00; 31–90 days → 40; never paid → 0; no break → 10
        ({}, Decimal("54.00")),
        ({"has_paid": True}, Decimal("64.00")),
        ({"has_broken": True}, Decimal("44.00")),
        ({"days_overdue": 10}, Decimal("39.00")),  # 4 + 25 + 0 + 10
        ({"days_overdue": 120}, Decimal("44.00")),  # 4 + 30 + 0 + 10
        ({"days_overdue": 200}, Decimal("29.00")),  # 4 + 15 + 0 + 10
        ({"days_overdue": 400}, Decimal("19.00")),  # 4 + 5 + 0 + 10
        (
            {"balance_cents": 2_000_000, "has_paid": True, "days_overdue": 60},
            Decimal("100.00"),  # 40 + 40 + 10 + 10: the maximum
        ),
    ],
)
def test_score(overrides: dict[str, object], score: Decimal) -> None:
    assert priority_score(account(**overrides)) == score


def test_rank_key_orders_by_score_then_balance_then_id() -> None:
    a = account(1, balance_cents=300_000)  # 12 + 40 + 0 + 10 = 62
    b = account(2, balance_cents=300_000, has_broken=True)  # 52
    c = account(3, balance_cents=2_000_000, days_overdue=400)  # 40 + 5 + 0 + 10 = 55
    d = account(4, balance_cents=1_500_000, days_overdue=400)  # also 55, smaller balance
    e = account(5, balance_cents=1_500_000, days_overdue=400)  # same as d, higher id
    assert [x.debtor_id for x in sorted([e, d, c, b, a], key=rank_key)] == [1, 3, 4, 5, 2]
