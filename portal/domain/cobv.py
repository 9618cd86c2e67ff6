"""What a Pix charge with a due date (API Pix ``cobv``) asks on a payment date.

The payer's bank computes it from the charge's terms, per the Banco Central's API Pix (release
2.9.0, ``CobVValor`` and ``calendario.validadeAposVencimento``), for the modalities the portal
sends (``portal/adapters/payments/pix_api/mapping.py``):

* **Prorrogação.** A due date on a weekend or a national bank holiday moves to the next
  business day (``due'``), and every rule that refers to it follows: the desconto, the multa,
  the juros and the validity. The last payable day is ``due' + validadeAposVencimento``
  calendar days, itself moved to the next business day (the spec's examples A, E and G).
  Past it the charge cannot be paid.
* **Desconto** (modalidade 1, a fixed value until the date given, which is the due date): off
  when paid on or before ``due'``, never more than the original amount.
* **Multa** (modalidade 2, percentual): once, when paid after ``due'``:
  ``round(original · m / 100)``.
* **Juros** (modalidade 3, percentual ao mês, dias corridos): simple, pro rata by calendar day on
  a 30-day month, counted from ``due'``: ``round(original · j / 100 · days / 30)`` with
  ``days = paid_on - due'``.
* Percentages travel with two decimals (``valorPerc`` ``"2.00"``), so they are rounded half-up
  to 0.01 first, as the mapping writes them; each component is then rounded half-up to the
  centavo on its own (the ``componentesValor`` of the received Pix list them one by one), and
  ``total = original - desconto + multa + juros``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal.domain.calendar import BankCalendar
from portal.domain.money import HUNDRED, round_half_up

DAYS_PER_MONTH = Decimal(30)
_PCT_STEP = Decimal("0.01")


class CobvNotPayable(ValueError):
    """The payment date is past the charge's last payable day: the payer's bank refuses it."""


@dataclass(frozen=True, slots=True)
class CobvTerms:
    """A charge's amount and terms as sent to the API Pix (percentages as Decimals)."""

    original_cents: int
    due_date: date
    days_valid_after_due: int
    multa_pct: Decimal = Decimal(0)
    juros_monthly_pct: Decimal = Decimal(0)
    discount_cents: int = 0

    def __post_init__(self) -> None:
        if self.original_cents <= 0:
            raise ValueError("the original amount must be positive")
        if self.days_valid_after_due < 0:
            raise ValueError("validadeAposVencimento must not be negative")
        if self.multa_pct < 0 or self.juros_monthly_pct < 0:
            raise ValueError("multa and juros must not be negative")
        if not 0 <= self.discount_cents < self.original_cents:
            raise ValueError("the desconto must be below the original amount")


@dataclass(frozen=True, slots=True)
class CobvAmount:
    """The amount on a payment date, itemised as the received Pix's ``componentesValor``."""

    original_cents: int
    discount_cents: int
    multa_cents: int
    juros_cents: int
    late_days: int  # calendar days after the (extended) due date; 0 when on time

    @property
    def charges_cents(self) -> int:
        """Multa and juros: what the payer pays on top of the original amount."""
        return self.multa_cents + self.juros_cents

    @property
    def total_cents(self) -> int:
        return self.original_cents - self.discount_cents + self.charges_cents


def spec_pct(value: Decimal) -> Decimal:
    """A percentage as the API Pix carries it: two decimals, rounded half-up."""
    return Decimal(value).quantize(_PCT_STEP, rounding=ROUND_HALF_UP)


def extended_due(terms: CobvTerms, calendar: BankCalendar) -> date:
    """The due date moved to the next business day when it is not one."""
    return calendar.following(terms.due_date)


def last_payable_day(terms: CobvTerms, calendar: BankCalendar) -> date:
    """The last day the payer's bank accepts the charge."""
    return last_day_for(terms.due_date, terms.days_valid_after_due, calendar)


def last_day_for(due_date: date, days_valid_after_due: int, calendar: BankCalendar) -> date:
    """The last payable day of a charge due on ``due_date``, valid so many days after it."""
    last = calendar.following(due_date) + timedelta(days=days_valid_after_due)
    return calendar.following(last)


def cobv_amount(terms: CobvTerms, paid_on: date, calendar: BankCalendar) -> CobvAmount:
    """What the payer's bank asks on ``paid_on``; ``CobvNotPayable`` past the last day."""
    if paid_on > last_payable_day(terms, calendar):
        raise CobvNotPayable(f"the charge could be paid until {last_payable_day(terms, calendar)}")
    due = extended_due(terms, calendar)
    original = terms.original_cents
    if paid_on <= due:
        return CobvAmount(original, terms.discount_cents, 0, 0, 0)
    days = (paid_on - due).days
    multa = round_half_up(Decimal(original) * spec_pct(terms.multa_pct) / HUNDRED)
    juros = round_half_up(
        Decimal(original) * spec_pct(terms.juros_monthly_pct) * days / (HUNDRED * DAYS_PER_MONTH)
    )
    return CobvAmount(original, 0, multa, juros, days)
