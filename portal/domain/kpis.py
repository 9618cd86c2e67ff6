"""Arithmetic of the creditor KPIs: pure functions over facts the service has loaded.

``portal.services.backoffice.kpis`` reads the rows of one creditor and one period and turns
them into one :class:`AccountFacts` per debtor (the debtor's account with that creditor); this
module adds them up. Definitions (also in ``docs/kpis.md``):

* **recovered** — for each payment that succeeded in the period, what was applied to an
  installment, net of refunds: a refund first returns the *excess* (money beyond what was
  due, never applied), and only what it returns beyond that reduces the applied amount
  (:func:`net_recovered_cents`);
* **portfolio** — the face value (original principal) of the items counted for the period
  (the service chooses them; see ``portal.services.backoffice.kpis``);
* **recovery rate** — recovered ÷ portfolio, in percent;
* **agreements** — made (accepted in the period), completed, broken and lapsed (reached that
  final state in the period);
* **days to first payment** — per debtor whose first payment ever to the creditor happened
  in the period after an access link had been issued: calendar days (Brasília) from the
  first link to that payment; the KPI is their average;
* **conversion** — debtors who opened an access link in the period, and of those, how many
  accepted an agreement afterwards within the period.

Rates and averages are ``Decimal`` rounded half-up (percentages to 0.01, days to 0.1), and
are ``None`` when their denominator is zero ("—" on screen), never a division error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from portal.domain.segments import Segment

PCT_PLACES = Decimal("0.01")
DAYS_PLACES = Decimal("0.1")


class Method(StrEnum):
    PIX = "pix"
    CARD = "card"
    BOLETO = "boleto"


def net_recovered_cents(applied_cents: int, excess_cents: int, refunded_cents: int) -> int:
    """What a payment recovered: applied, minus the part of refunds beyond the excess."""
    if min(applied_cents, excess_cents, refunded_cents) < 0:
        raise ValueError("payment amounts are never negative")
    returned_from_applied = max(0, refunded_cents - excess_cents)
    return max(0, applied_cents - returned_from_applied)


def percentage(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` (0.01 half-up); None when ``whole`` is 0."""
    if whole < 0 or part < 0:
        raise ValueError("counts and amounts are never negative")
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PCT_PLACES, rounding=ROUND_HALF_UP)


def average_days(values: Sequence[int]) -> Decimal | None:
    """The mean of whole days (0.1 half-up); None for no values."""
    if not values:
        return None
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(
        DAYS_PLACES, rounding=ROUND_HALF_UP
    )


def days_between(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end``; 0 when ``end`` is not after ``start``."""
    return max(0, (end - start).days)


@dataclass(frozen=True, slots=True)
class PaymentFact:
    """One payment that succeeded in the period."""

    method: Method
    applied_cents: int
    excess_cents: int = 0
    refunded_cents: int = 0

    @property
    def recovered_cents(self) -> int:
        return net_recovered_cents(self.applied_cents, self.excess_cents, self.refunded_cents)


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """One debtor's account with the creditor, as the period saw it."""

    segment: Segment | None
    portfolio_cents: int = 0
    payments: tuple[PaymentFact, ...] = ()
    agreements_made: int = 0
    agreements_completed: int = 0
    agreements_broken: int = 0
    agreements_lapsed: int = 0
    opened_link: bool = False
    converted: bool = False
    days_to_first_payment: int | None = None


@dataclass(frozen=True, slots=True)
class KpiSummary:
    accounts: int
    portfolio_cents: int
    recovered_cents: int
    recovered_pix_cents: int
    recovered_card_cents: int
    agreements_made: int
    agreements_completed: int
    agreements_broken: int
    agreements_lapsed: int
    first_payments: int
    links_opened: int
    conversions: int
    average_days_to_first_payment: Decimal | None
    recovered_boleto_cents: int = 0

    @property
    def recovery_rate_pct(self) -> Decimal | None:
        return percentage(self.recovered_cents, self.portfolio_cents)

    @property
    def pix_share_pct(self) -> Decimal | None:
        return percentage(self.recovered_pix_cents, self.recovered_cents)

    @property
    def card_share_pct(self) -> Decimal | None:
        return percentage(self.recovered_card_cents, self.recovered_cents)

    @property
    def boleto_share_pct(self) -> Decimal | None:
        return percentage(self.recovered_boleto_cents, self.recovered_cents)

    @property
    def conversion_pct(self) -> Decimal | None:
        return percentage(self.conversions, self.links_opened)


def summarise(accounts: Iterable[AccountFacts]) -> KpiSummary:
    """Add up the facts of any set of accounts (a whole creditor, or one segment)."""
    rows = list(accounts)
    by_method = dict.fromkeys(Method, 0)
    for account in rows:
        for payment in account.payments:
            by_method[payment.method] += payment.recovered_cents
    days = [a.days_to_first_payment for a in rows if a.days_to_first_payment is not None]
    return KpiSummary(
        accounts=len(rows),
        portfolio_cents=sum(a.portfolio_cents for a in rows),
        recovered_cents=sum(by_method.values()),
        recovered_pix_cents=by_method[Method.PIX],
        recovered_card_cents=by_method[Method.CARD],
        agreements_made=sum(a.agreements_made for a in rows),
        agreements_completed=sum(a.agreements_completed for a in rows),
        agreements_broken=sum(a.agreements_broken for a in rows),
        agreements_lapsed=sum(a.agreements_lapsed for a in rows),
        first_payments=len(days),
        links_opened=sum(1 for a in rows if a.opened_link),
        conversions=sum(1 for a in rows if a.opened_link and a.converted),
        average_days_to_first_payment=average_days(days),
        recovered_boleto_cents=by_method[Method.BOLETO],
    )


def by_segment(accounts: Iterable[AccountFacts]) -> list[tuple[Segment | None, KpiSummary]]:
    """One summary per segment that has accounts, in band order; unclassified ones last."""
    groups: dict[Segment | None, list[AccountFacts]] = {}
    for account in accounts:
        groups.setdefault(account.segment, []).append(account)
    ordered = sorted(s for s in groups if s is not None)
    result: list[tuple[Segment | None, KpiSummary]] = [(s, summarise(groups[s])) for s in ordered]
    if None in groups:
        result.append((None, summarise(groups[None])))
    return result
