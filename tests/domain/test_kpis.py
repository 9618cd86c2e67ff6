"""KPI arithmetic: net recovery, percentages, averages, summaries by segment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.kpis import (
    AccountFacts,
    Method,
    PaymentFact,
    average_days,
    by_segment,
    days_between,
    net_recovered_cents,
    percentage,
    summarise,
)
from portal.domain.segments import Segment
from tests.domain.conftest import DOMAIN


@pytest.mark.parametrize(
    ("applied", "excess", "refunded", "net"),
    [
        (10_000, 0, 0, 10_000),
        (10_000, 500, 500, 10_000),  # the refund only gave the duplicate back
        (10_000, 500, 300, 10_000),  # part of the excess refunded so far
        (10_000, 500, 2_500, 8_000),  # 2 500 − 500 excess = 2 000 out of the applied
        (10_000, 0, 10_000, 0),  # refunded in full
        (0, 7_000, 7_000, 0),  # a duplicate: nothing applied, all returned
        (10_000, 0, 12_000, 0),  # never below zero
    ],
)
def test_net_recovered(applied: int, excess: int, refunded: int, net: int) -> None:
    assert net_recovered_cents(applied, excess, refunded) == net


def test_net_recovered_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError, match="negative"):
        net_recovered_cents(-1, 0, 0)


@DOMAIN
@given(applied=st.integers(0, 10**9), excess=st.integers(0, 10**9), refunded=st.integers(0, 10**9))
def test_net_recovered_stays_within_applied(applied: int, excess: int, refunded: int) -> None:
    assert 0 <= net_recovered_cents(applied, excess, refunded) <= applied


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, Decimal("33.33")),
        (2, 3, Decimal("66.67")),
        (1, 8, Decimal("12.50")),
        (1, 800, Decimal("0.13")),  # 0.125 → 0.13 half-up (half-even: 0.12)
        (0, 5, Decimal("0.00")),
        (5, 4, Decimal("125.00")),
        (7, 0, None),
        (0, 0, None),
    ],
)
def test_percentage(part: int, whole: int, expected: Decimal | None) -> None:
    assert percentage(part, whole) == expected


def test_percentage_refuses_negatives() -> None:
    with pytest.raises(ValueError, match="negative"):
        percentage(-1, 3)
    with pytest.raises(ValueError, match="negative"):
        percentage(1, -3)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([4], Decimal("4.0")),
        ([1, 2], Decimal("1.5")),
        ([1, 1, 2, 2], Decimal("1.5")),
        ([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Decimal("0.1")),  # 0.05
        ([1, 2, 2], Decimal("1.7")),  # 1.666…
    ],
)
def test_average_days(values: list[int], expected: Decimal | None) -> None:
    assert average_days(values) == expected


def test_days_between() -> None:
    assert days_between(date(2026, 3, 1), date(2026, 3, 11)) == 10
    assert days_between(date(2026, 3, 11), date(2026, 3, 1)) == 0


def test_payment_fact_recovered() -> None:
    assert PaymentFact(Method.PIX, 10_000, 500, 2_500).recovered_cents == 8_000


NEAR = Segment.of(45, 30_000)  # 31–90 days, up to R$ 500
FAR = Segment.of(400, 3_000_000)  # over 360 days, above R$ 10.000


def _accounts() -> list[AccountFacts]:
    return [
        AccountFacts(
            segment=NEAR,
            portfolio_cents=30_000,
            payments=(
                PaymentFact(Method.PIX, 10_000),
                PaymentFact(Method.CARD, 5_000, excess_cents=0, refunded_cents=1_000),
            ),
            agreements_made=1,
            agreements_completed=1,
            opened_link=True,
            converted=True,
            days_to_first_payment=3,
        ),
        AccountFacts(
            segment=FAR,
            portfolio_cents=3_000_000,
            agreements_made=2,
            agreements_broken=1,
            agreements_lapsed=1,
            opened_link=True,
            days_to_first_payment=6,
        ),
        AccountFacts(segment=NEAR, portfolio_cents=20_000, converted=True),  # never opened
        AccountFacts(segment=None, payments=(PaymentFact(Method.PIX, 2_000),)),
    ]


def test_summarise_adds_up_every_figure() -> None:
    summary = summarise(_accounts())
    assert summary.accounts == 4
    assert summary.portfolio_cents == 30_000 + 3_000_000 + 20_000  # 3 050 000
    # pix 10 000 + 2 000; card 5 000 − 1 000 refunded = 4 000
    assert (summary.recovered_pix_cents, summary.recovered_card_cents) == (12_000, 4_000)
    assert summary.recovered_cents == 16_000
    # 16 000 / 3 050 000 = 0.5245…% → 0.52
    assert summary.recovery_rate_pct == Decimal("0.52")
    assert summary.pix_share_pct == Decimal("75.00")  # 12 000 / 16 000
    assert summary.card_share_pct == Decimal("25.00")
    assert (
        summary.agreements_made,
        summary.agreements_completed,
        summary.agreements_broken,
        summary.agreements_lapsed,
    ) == (3, 1, 1, 1)
    assert summary.first_payments == 2
    assert summary.average_days_to_first_payment == Decimal("4.5")  # (3 + 6) / 2
    # conversion counts only debtors who opened a link: 1 of 2
    assert (summary.links_opened, summary.conversions) == (2, 1)
    assert summary.conversion_pct == Decimal("50.00")


def test_an_empty_summary_has_no_rates() -> None:
    summary = summarise([])
    assert summary.recovered_cents == summary.portfolio_cents == 0
    assert summary.recovery_rate_pct is None
    assert summary.pix_share_pct is None and summary.card_share_pct is None
    assert summary.conversion_pct is None
    assert summary.average_days_to_first_payment is None


def test_by_segment_in_band_order_with_unclassified_last() -> None:
    groups = by_segment(reversed(_accounts()))
    assert [segment for segment, _ in groups] == [NEAR, FAR, None]
    near = groups[0][1]
    assert (near.accounts, near.portfolio_cents, near.recovered_cents) == (2, 50_000, 14_000)
    # 14 000 / 50 000 = 28 %
    assert near.recovery_rate_pct == Decimal("28.00")
    assert groups[2][1].recovered_cents == 2_000


def test_by_segment_without_unclassified_accounts() -> None:
    groups = by_segment(_accounts()[:3])
    assert [segment for segment, _ in groups] == [NEAR, FAR]


def test_boleto_payments_count_in_the_recovered_total_and_their_share() -> None:
    accounts = [
        *_accounts(),
        AccountFacts(segment=None, payments=(PaymentFact(Method.BOLETO, 4_000),)),
    ]
    summary = summarise(accounts)
    assert summary.recovered_boleto_cents == 4_000
    assert summary.recovered_cents == 20_000  # pix 12 000 + card 4 000 + boleto 4 000
    assert summary.boleto_share_pct == Decimal("20.00")
    assert summarise([]).boleto_share_pct is None
