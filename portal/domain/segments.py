"""Segments of a creditor's portfolio: days-overdue bands × amount bands.

A debtor's account with one creditor falls in exactly one segment:

* **days overdue** — calendar days since the *oldest* due date among the items counted
  (0 when nothing is late yet):

  ========== ============== =====================================================
  band       days           why this cut
  ========== ============== =====================================================
  ``0-30``   0 to 30        the first month: a reminder is often all it takes
  ``31-90``  31 to 90       late, still recent: the best moment to negotiate
  ``91-180`` 91 to 180      the policies' bigger discounts start around here
  ``181-360`` 181 to 360    old: charges weigh more than the principal
  ``361+``   361 and more   over a year: recovery is rare and slow
  ========== ============== =====================================================

* **amount** — the sum of the principal counted, in centavos (bounds inclusive):

  ================ ======================== =
  band             centavos
  ================ ======================== =
  ``ate-500``      up to 50 000 (R$ 500)
  ``500-2mil``     50 001 to 200 000
  ``2mil-10mil``   200 001 to 1 000 000
  ``10mil-mais``   above 1 000 000 (R$ 10 000)
  ================ ======================== =

The band values are the slugs used in URLs and CSV files; the labels are pt-BR msgids
(marked with ``N_``) that the web layer translates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.domain.errors import N_


class DaysBand(StrEnum):
    UP_TO_30 = "0-30"
    UP_TO_90 = "31-90"
    UP_TO_180 = "91-180"
    UP_TO_360 = "181-360"
    OVER_360 = "361+"


class AmountBand(StrEnum):
    UP_TO_500 = "ate-500"
    UP_TO_2K = "500-2mil"
    UP_TO_10K = "2mil-10mil"
    OVER_10K = "10mil-mais"


DAYS_LIMITS: tuple[tuple[DaysBand, int], ...] = (
    (DaysBand.UP_TO_30, 30),
    (DaysBand.UP_TO_90, 90),
    (DaysBand.UP_TO_180, 180),
    (DaysBand.UP_TO_360, 360),
)
"""Upper bound (inclusive) of every days band but the last."""

AMOUNT_LIMITS: tuple[tuple[AmountBand, int], ...] = (
    (AmountBand.UP_TO_500, 50_000),
    (AmountBand.UP_TO_2K, 200_000),
    (AmountBand.UP_TO_10K, 1_000_000),
)
"""Upper bound in centavos (inclusive) of every amount band but the last."""

DAYS_LABELS: dict[DaysBand, str] = {
    DaysBand.UP_TO_30: N_("até 30 dias"),
    DaysBand.UP_TO_90: N_("31 a 90 dias"),
    DaysBand.UP_TO_180: N_("91 a 180 dias"),
    DaysBand.UP_TO_360: N_("181 a 360 dias"),
    DaysBand.OVER_360: N_("mais de 360 dias"),
}

AMOUNT_LABELS: dict[AmountBand, str] = {
    AmountBand.UP_TO_500: N_("até R$ 500"),
    AmountBand.UP_TO_2K: N_("R$ 500,01 a R$ 2.000"),
    AmountBand.UP_TO_10K: N_("R$ 2.000,01 a R$ 10.000"),
    AmountBand.OVER_10K: N_("acima de R$ 10.000"),
}


def days_band(days_overdue: int) -> DaysBand:
    """The band of ``days_overdue`` (negative values count as 0: not late yet)."""
    for band, upper in DAYS_LIMITS:
        if days_overdue <= upper:
            return band
    return DaysBand.OVER_360


def amount_band(amount_cents: int) -> AmountBand:
    """The band of an amount in centavos."""
    for band, upper in AMOUNT_LIMITS:
        if amount_cents <= upper:
            return band
    return AmountBand.OVER_10K


@dataclass(frozen=True, slots=True, order=True)
class Segment:
    """One cell of the grid; ordered by the bands' order (days first)."""

    days_rank: int
    amount_rank: int

    @classmethod
    def of(cls, days_overdue: int, amount_cents: int) -> Segment:
        return cls.from_bands(days_band(days_overdue), amount_band(amount_cents))

    @classmethod
    def from_bands(cls, days: DaysBand, amount: AmountBand) -> Segment:
        return cls(list(DaysBand).index(days), list(AmountBand).index(amount))

    @property
    def days(self) -> DaysBand:
        return list(DaysBand)[self.days_rank]

    @property
    def amount(self) -> AmountBand:
        return list(AmountBand)[self.amount_rank]

    @property
    def key(self) -> str:
        """``31-90|ate-500``: stable, for CSV files and URLs."""
        return f"{self.days.value}|{self.amount.value}"
