"""The priority score that orders a creditor's debtors for contact (0 to 100 points).

    score = balance points   (0–40: 40 × min(balance, R$ 10.000) ÷ R$ 10.000)
          + days points      (0–40: by days-overdue band, highest for 31–90 days)
          + history points   (10 when the debtor has ever paid this creditor, else 0)
          + reliability      (10 when no agreement with this creditor ever broke, else 0)

Days points per band: até 30 → 25; 31–90 → 40; 91–180 → 30; 181–360 → 15; mais de 360 → 5.

Why (from the research summarised in docs/research.md, and docs/kpis.md):

* **Larger balance first** — seed 003 ("Crie um ranking de devedores"): approaching those
  who owe the most first gives the more significant results. Linear up to R$ 10.000 and
  flat beyond, so one very large debt does not drown everyone else; above the cap the
  balance still breaks ties.
* **Moderate lateness first** — seed 003: acting early is worth more than recovering the
  debt later, while for the oldest debts the company must first decide whether the
  relationship is worth keeping; seed 002 lists the time overdue as the first criterion.
  The first 30 days score a little lower than 31–90 because many of those debtors pay
  after an ordinary reminder; after 180 days the chance of recovery falls steeply.
* **Payment history** — seed 002 ranks by "histórico de pagamentos e probabilidade de
  recuperação": someone who has paid before has shown the will and the means.
* **No broken agreement** — seed 002 §4: "De nada adianta propor um pagamento que ele não
  consegue cumprir". A broken agreement says the last plan did not fit; such a debtor is
  better served by a person reviewing the conditions (seed 000: personalised plans) than
  by a link in a bulk send, so they come later in the list, not out of it.

Ties: higher score first, then larger balance, then the lower debtor id (stable).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from portal.domain.segments import DaysBand, days_band

BALANCE_POINTS = Decimal(40)
BALANCE_CAP_CENTS = 1_000_000
DAYS_POINTS: dict[DaysBand, int] = {
    DaysBand.UP_TO_30: 25,
    DaysBand.UP_TO_90: 40,
    DaysBand.UP_TO_180: 30,
    DaysBand.UP_TO_360: 15,
    DaysBand.OVER_360: 5,
}
HISTORY_POINTS = 10
RELIABILITY_POINTS = 10
SCORE_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PriorityInput:
    debtor_id: int
    balance_cents: int
    days_overdue: int
    has_paid: bool
    has_broken: bool


def balance_points(balance_cents: int) -> Decimal:
    if balance_cents < 0:
        raise ValueError("a balance is never negative")
    capped = min(balance_cents, BALANCE_CAP_CENTS)
    return (BALANCE_POINTS * capped / BALANCE_CAP_CENTS).quantize(
        SCORE_PLACES, rounding=ROUND_HALF_UP
    )


def priority_score(account: PriorityInput) -> Decimal:
    """The score of one debtor (see the module docstring), 0.00 to 100.00."""
    return (
        balance_points(account.balance_cents)
        + DAYS_POINTS[days_band(account.days_overdue)]
        + (HISTORY_POINTS if account.has_paid else 0)
        + (0 if account.has_broken else RELIABILITY_POINTS)
    )


def rank_key(account: PriorityInput) -> tuple[Decimal, int, int]:
    """Sort key: ``sorted(accounts, key=rank_key)`` puts the highest priority first."""
    return (-priority_score(account), -account.balance_cents, account.debtor_id)
