"""The amount of a Pix charge with a due date on a payment date (portal.domain.cobv)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.domain.calendar import BankCalendar, anbima_calendar
from portal.domain.cobv import (
    CobvAmount,
    CobvNotPayable,
    CobvTerms,
    cobv_amount,
    extended_due,
    last_payable_day,
    spec_pct,
)

D = Decimal
ANBIMA = anbima_calendar()
WEEKENDS = BankCalendar(frozenset(), "weekends only")


def _terms(due: date, valid: int = 30, **extra: object) -> CobvTerms:
    values: dict[str, object] = {"multa_pct": D(2), "juros_monthly_pct": D(1), **extra}
    return CobvTerms(100_000, due, valid, **values)  # type: ignore[arg-type]


# The spec's own examples (CobDataDeVencimento.validadeAposVencimento, examples A to G).
@pytest.mark.parametrize(
    ("due", "valid", "extended", "last"),
    [
        (date(2020, 10, 20), 4, date(2020, 10, 20), date(2020, 10, 26)),  # A: Sat 24 → Mon 26
        (date(2020, 12, 25), 0, date(2020, 12, 28), date(2020, 12, 28)),  # B: Christmas
        (date(2020, 12, 25), 1, date(2020, 12, 28), date(2020, 12, 29)),  # C
        (date(2020, 12, 25), 3, date(2020, 12, 28), date(2020, 12, 31)),  # D
        (date(2020, 12, 25), 4, date(2020, 12, 28), date(2021, 1, 4)),  # E: New Year → Mon
        (date(2021, 8, 27), 5, date(2021, 8, 27), date(2021, 9, 1)),  # F
        (date(2021, 8, 28), 5, date(2021, 8, 30), date(2021, 9, 6)),  # G: Saturday due date
    ],
)
def test_the_spec_examples_of_the_validity_after_the_due_date(
    due: date, valid: int, extended: date, last: date
) -> None:
    terms = _terms(due, valid)
    assert extended_due(terms, ANBIMA) == extended
    assert last_payable_day(terms, ANBIMA) == last
    assert cobv_amount(terms, last, ANBIMA).total_cents > 0
    with pytest.raises(CobvNotPayable):
        cobv_amount(terms, date.fromordinal(last.toordinal() + 1), ANBIMA)


# original R$ 1.000,00, multa 2 %, juros 1 % a month; (due, paid on, multa, juros, days)
@pytest.mark.parametrize(
    ("due", "paid_on", "multa", "juros", "days"),
    [
        (date(2026, 3, 10), date(2026, 3, 1), 0, 0, 0),  # before the due date
        (date(2026, 3, 10), date(2026, 3, 10), 0, 0, 0),  # on it
        (date(2026, 3, 10), date(2026, 3, 11), 2_000, 33, 1),  # 1000 · 1 % / 30 = 33,33 → 33
        (date(2026, 3, 10), date(2026, 3, 12), 2_000, 67, 2),  # 66,67 → 67
        (date(2026, 3, 10), date(2026, 3, 25), 2_000, 500, 15),
        (date(2026, 3, 10), date(2026, 4, 9), 2_000, 1_000, 30),  # a whole 30-day month
        (date(2026, 1, 30), date(2026, 3, 2), 2_000, 1_033, 31),  # across February (28 days)
        (date(2026, 12, 30), date(2027, 1, 4), 2_000, 167, 5),  # across the year
        (date(2026, 3, 14), date(2026, 3, 16), 0, 0, 0),  # Saturday due date, paid Monday
        (date(2026, 3, 14), date(2026, 3, 17), 2_000, 33, 1),  # counted from Monday
        (date(2026, 3, 15), date(2026, 3, 14), 0, 0, 0),  # Sunday due date, paid Saturday
        (date(2026, 4, 3), date(2026, 4, 6), 0, 0, 0),  # Good Friday (a bank holiday)
        (date(2026, 4, 3), date(2026, 4, 7), 2_000, 33, 1),
    ],
)
def test_multa_once_and_juros_pro_rata_by_calendar_day_after_the_extended_due_date(
    due: date, paid_on: date, multa: int, juros: int, days: int
) -> None:
    amount = cobv_amount(_terms(due), paid_on, ANBIMA)
    assert amount == CobvAmount(100_000, 0, multa, juros, days)
    assert amount.charges_cents == multa + juros
    assert amount.total_cents == 100_000 + multa + juros


def test_holidays_come_from_the_calendar_given() -> None:
    terms = _terms(date(2026, 4, 3))  # Good Friday
    assert cobv_amount(terms, date(2026, 4, 6), WEEKENDS).late_days == 3
    assert cobv_amount(terms, date(2026, 4, 6), ANBIMA).late_days == 0


def test_each_component_is_rounded_half_up_to_the_centavo() -> None:
    terms = CobvTerms(150, date(2026, 3, 10), 30, multa_pct=D(1))  # 1,5 centavo of multa
    assert cobv_amount(terms, date(2026, 3, 11), ANBIMA).multa_cents == 2
    terms = CobvTerms(4_500, date(2026, 3, 10), 30, juros_monthly_pct=D(1))  # 1,5 a day
    assert cobv_amount(terms, date(2026, 3, 11), ANBIMA).juros_cents == 2
    terms = CobvTerms(4_499, date(2026, 3, 10), 30, juros_monthly_pct=D(1))  # 1,4997
    assert cobv_amount(terms, date(2026, 3, 11), ANBIMA).juros_cents == 1


def test_percentages_count_with_the_two_decimals_the_api_carries() -> None:
    assert spec_pct(D("0.125")) == D("0.13")  # half-up, not half-even
    assert spec_pct(D(2)) == D("2.00")
    terms = _terms(date(2026, 3, 10), multa_pct=D("0.125"), juros_monthly_pct=D("0.333"))
    amount = cobv_amount(terms, date(2026, 3, 13), ANBIMA)
    assert (amount.multa_cents, amount.juros_cents) == (130, 33)  # 0,13 % and 0,33 % · 3/30


def test_the_desconto_holds_until_the_extended_due_date_only() -> None:
    terms = _terms(date(2026, 3, 14), discount_cents=5_000)  # Saturday: until Monday 16
    assert cobv_amount(terms, date(2026, 3, 2), ANBIMA).total_cents == 95_000
    assert cobv_amount(terms, date(2026, 3, 16), ANBIMA).discount_cents == 5_000
    late = cobv_amount(terms, date(2026, 3, 17), ANBIMA)
    assert (late.discount_cents, late.total_cents) == (0, 102_033)


def test_no_multa_or_juros_when_the_terms_have_none() -> None:
    terms = CobvTerms(100_000, date(2026, 3, 10), 10)
    assert cobv_amount(terms, date(2026, 3, 20), ANBIMA) == CobvAmount(100_000, 0, 0, 0, 10)


def test_a_validity_of_zero_days_is_the_extended_due_date_alone() -> None:
    terms = _terms(date(2026, 3, 10), 0)
    assert cobv_amount(terms, date(2026, 3, 10), ANBIMA).total_cents == 100_000
    with pytest.raises(CobvNotPayable, match="until 2026-03-10"):
        cobv_amount(terms, date(2026, 3, 11), ANBIMA)


@pytest.mark.parametrize(
    ("original", "valid", "multa", "juros", "discount"),
    [
        (0, 30, D(2), D(1), 0),
        (100, -1, D(2), D(1), 0),
        (100, 30, D(-1), D(1), 0),
        (100, 30, D(2), D(-1), 0),
        (100, 30, D(2), D(1), 100),
        (100, 30, D(2), D(1), -1),
    ],
)
def test_impossible_terms_are_refused(
    original: int, valid: int, multa: Decimal, juros: Decimal, discount: int
) -> None:
    with pytest.raises(ValueError):
        CobvTerms(original, date(2026, 3, 10), valid, multa, juros, discount)
