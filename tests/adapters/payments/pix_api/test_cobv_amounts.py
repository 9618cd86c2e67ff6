"""The fake PSP's own late-amount arithmetic and ``portal.domain.cobv`` agree.

The fake stays independent of the domain (it reads the ``cobv`` body as the mapping writes it
and computes with its own code), so a bug in either shows up here as a disagreement. Holidays
are not modelled by the fake: the domain is given a weekends-only calendar.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.adapters.payments.base import DueTerms, Payer
from portal.adapters.payments.pix_api import mapping
from portal.domain.calendar import BankCalendar
from portal.domain.cobv import CobvNotPayable, CobvTerms, cobv_amount
from tests.fake_pix_api import FakePixApi
from tests.pix_api_helpers import PAYEE

D = Decimal
WEEKENDS = BankCalendar(frozenset(), "weekends only")
DUE_DATES = [
    date(2026, 3, 10),  # a Tuesday
    date(2026, 3, 13),  # a Friday: the charges start on the Saturday
    date(2026, 3, 14),  # a Saturday: extended to the Monday
    date(2026, 3, 15),  # a Sunday
    date(2026, 1, 31),  # a Saturday at a month's end: extended into February
    date(2026, 2, 27),  # a Friday before a 28-day month ends
    date(2026, 12, 31),  # across the year
]
AMOUNTS = [1, 150, 500, 4_499, 4_500, 12_345, 100_000, 987_654]
RATES = [(D(2), D(1)), (D(0), D(1)), (D(2), D(0)), (D("0.125"), D("0.333")), (D(10), D("2.5"))]


def _body(amount: int, due: date, valid: int, multa: Decimal, juros: Decimal, discount: int):  # type: ignore[no-untyped-def]
    terms = DueTerms(
        due_date=due,
        days_valid_after_due=valid,
        multa_pct=multa,
        juros_monthly_pct=juros,
        payer=Payer(document="52998224725", name="Maria"),
        discount_cents=discount,
    )
    return mapping.cobv_body(amount_cents=amount, payee=PAYEE, description="p", terms=terms)


def _cents(value: Decimal) -> int:
    return int(value.quantize(D("0.01"), rounding="ROUND_HALF_UP") * 100)


@pytest.mark.parametrize("due", DUE_DATES, ids=str)
@pytest.mark.parametrize("valid", [0, 3, 30])
def test_the_fake_and_the_domain_agree_day_by_day(due: date, valid: int) -> None:
    compared = 0
    for amount in AMOUNTS:
        for multa, juros in RATES:
            discount = amount // 10 if amount > 10 else 0
            body = _body(amount, due, valid, multa, juros, discount)
            terms = CobvTerms(amount, due, valid, multa, juros, discount)
            for offset in range(-3, valid + 8):
                on = due + timedelta(days=offset)
                try:
                    expected = cobv_amount(terms, on, WEEKENDS)
                except CobvNotPayable:
                    with pytest.raises(ValueError, match="validadeAposVencimento"):
                        FakePixApi.due_amounts(body, on)
                    continue
                desconto, multa_value, juros_value = FakePixApi.due_amounts(body, on)
                found = (_cents(desconto), _cents(multa_value), _cents(juros_value))
                assert found == (
                    expected.discount_cents,
                    expected.multa_cents,
                    expected.juros_cents,
                ), (amount, multa, juros, due, on)
                compared += 1
    assert compared >= len(AMOUNTS) * len(RATES) * (valid + 4)  # every day up to the last


def test_the_table_reaches_charges_and_the_validity_end() -> None:
    """The table above is not vacuous: late days with charges, and refusals, both occur."""
    body = _body(100_000, date(2026, 3, 14), 3, D(2), D(1), 0)
    assert FakePixApi.due_amounts(body, date(2026, 3, 16)) == (0, 0, 0)
    _, multa, juros = FakePixApi.due_amounts(body, date(2026, 3, 19))
    assert (_cents(multa), _cents(juros)) == (2_000, 100)  # 3 days after Monday the 16th
    with pytest.raises(ValueError):
        FakePixApi.due_amounts(body, date(2026, 3, 20))
