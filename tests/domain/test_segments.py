"""Days-overdue and amount bands, and the segment grid."""

from __future__ import annotations

import pytest

from portal.domain.segments import (
    AMOUNT_LABELS,
    DAYS_LABELS,
    AmountBand,
    DaysBand,
    Segment,
    amount_band,
    days_band,
)


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (-3, DaysBand.UP_TO_30),
        (0, DaysBand.UP_TO_30),
        (30, DaysBand.UP_TO_30),
        (31, DaysBand.UP_TO_90),
        (90, DaysBand.UP_TO_90),
        (91, DaysBand.UP_TO_180),
        (180, DaysBand.UP_TO_180),
        (181, DaysBand.UP_TO_360),
        (360, DaysBand.UP_TO_360),
        (361, DaysBand.OVER_360),
        (5000, DaysBand.OVER_360),
    ],
)
def test_days_band_bounds_are_inclusive(days: int, band: DaysBand) -> None:
    assert days_band(days) == band


@pytest.mark.parametrize(
    ("cents", "band"),
    [
        (1, AmountBand.UP_TO_500),
        (50_000, AmountBand.UP_TO_500),
        (50_001, AmountBand.UP_TO_2K),
        (200_000, AmountBand.UP_TO_2K),
        (200_001, AmountBand.UP_TO_10K),
        (1_000_000, AmountBand.UP_TO_10K),
        (1_000_001, AmountBand.OVER_10K),
    ],
)
def test_amount_band_bounds_are_inclusive(cents: int, band: AmountBand) -> None:
    assert amount_band(cents) == band


def test_segment_round_trips_its_bands_and_orders_days_first() -> None:
    segment = Segment.of(45, 250_000)
    assert (segment.days, segment.amount) == (DaysBand.UP_TO_90, AmountBand.UP_TO_10K)
    assert segment == Segment.from_bands(DaysBand.UP_TO_90, AmountBand.UP_TO_10K)
    assert segment.key == "31-90|2mil-10mil"
    grid = [Segment.from_bands(d, a) for d in DaysBand for a in AmountBand]
    assert sorted(reversed(grid)) == grid
    assert len(set(grid)) == 20


def test_every_band_has_a_label() -> None:
    assert set(DAYS_LABELS) == set(DaysBand)
    assert set(AMOUNT_LABELS) == set(AmountBand)
