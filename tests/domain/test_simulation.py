from datetime import date, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.calendar import BankCalendar, anbima_calendar
from portal.domain.charges import ChargeRules, DebtorKind, PendingItem
from portal.domain.errors import (
    DownPaymentAboveTotal,
    DuplicateItem,
    FirstDueDateOutOfWindow,
    InvalidAmount,
    Message,
    NoItemsSelected,
)
from portal.domain.offers import Installment, Offer, OptionKind
from portal.domain.policy import InstallmentBand
from portal.domain.price import within_level_tolerance
from portal.domain.simulation import (
    DOWN_PAYMENT_BELOW_MINIMUM,
    INSTALLMENT_BELOW_MINIMUM,
    MSG_NOT_LEVEL,
    SCHEDULE_NOT_LEVEL,
    build_offer,
    due_dates,
)

from .conftest import DOMAIN, make_item, make_policy
from .test_cet import rounding_may_show

AS_OF = date(2026, 2, 9)
CARNIVAL_MONDAY = date(2026, 2, 16)


def worked_example(anbima: BankCalendar) -> Offer:
    """The worked example of docs/negotiation.md §8."""
    return build_offer(
        [make_item()],
        make_policy(min_installment_cents=3_000),
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=CARNIVAL_MONDAY,
        down_payment_cents=3_500,
    )


def test_worked_example(anbima: BankCalendar) -> None:
    offer = worked_example(anbima)
    assert offer.negotiated_cents == 103_500  # 1.000,00 + multa 20,00 + juros 15,00
    assert offer.valid_until == date(2026, 2, 14)
    assert (offer.policy_id, offer.policy_version) == ("acme-consumer", 3)
    assert [option.payment_count for option in offer.options] == list(range(1, 13))

    cash = offer.cash_option
    assert cash.kind is OptionKind.CASH
    # Tier "0 days": 5 % of 1.035,00 = 51,75, but only charges may be discounted (35,00).
    assert (cash.discount_cents, cash.total_cents) == (3_500, 100_000)
    assert cash.installments == (Installment(0, date(2026, 2, 18), 100_000, 0, 100_000, 0),)
    assert offer.items[0].cash_discount.juros_cents == 1_500
    assert offer.items[0].cash_discount.multa_cents == 2_000

    six = offer.option(6)
    assert six.kind is OptionKind.INSTALLMENTS
    assert (six.down_payment_cents, six.financed_cents, six.installment_count) == (
        3_500,
        100_000,
        5,
    )
    assert [(row.due_date, row.amount_cents, row.interest_cents) for row in six.installments] == [
        (date(2026, 2, 18), 3_500, 0),  # Carnival Monday → Ash Wednesday
        (date(2026, 3, 16), 20_574, 950),
        (date(2026, 4, 16), 20_574, 764),
        (date(2026, 5, 18), 20_574, 575),  # 16 May is a Saturday
        (date(2026, 6, 16), 20_574, 385),
        (date(2026, 7, 16), 20_572, 194),
    ]
    assert (six.installment_cents, six.last_installment_cents) == (20_574, 20_572)
    assert (six.total_cents, six.total_interest_cents) == (106_368, 2_868)
    assert six.nominal_monthly_rate_pct == Decimal("0.95")
    assert six.valid

    # CET on the schedule's month count: the plan rate (it was 0,99 % / 12,55 % on the rolled
    # dates, with no fee at all). Checked against numpy-financial's periodic IRR.
    assert (six.cet_monthly_pct, six.cet_annual_pct) == (Decimal("0.95"), Decimal("12.02"))
    monthly = npf.irr([-100_000, *(row.amount_cents for row in six.installments[1:])])
    assert abs(float(six.cet_monthly_pct) - monthly * 100) <= 0.005
    assert abs(float(six.cet_annual_pct) - ((1 + monthly) ** 12 - 1) * 100) <= 0.005


def test_default_entrada_is_the_policy_minimum(anbima: BankCalendar) -> None:
    offer = build_offer(
        [make_item()],
        make_policy(),
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=date(2026, 2, 13),
    )
    assert offer.requested_down_payment_cents is None
    # 3 % of 1.035,00 = 31,05 < minimum installment 50,00.
    assert {option.down_payment_cents for option in offer.options[1:]} == {5_000}
    # A first due date on a business day never moves.
    assert offer.option(2).installments[0].due_date == date(2026, 2, 13)


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        # Christmas and New Year: 25 Dec (Thu) → 26 Dec; 25 Jan 2026 is a Sunday.
        (date(2025, 11, 25), (date(2025, 11, 25), date(2025, 12, 26), date(2026, 1, 26))),
        # New Year's Day itself, then Sundays 1 Feb and 1 Mar.
        (date(2026, 1, 1), (date(2026, 1, 2), date(2026, 2, 2), date(2026, 3, 2))),
        # Carnival (16-17 Feb) and Good Friday (3 Apr).
        (date(2026, 1, 16), (date(2026, 1, 16), date(2026, 2, 18), date(2026, 3, 16))),
        (date(2026, 2, 3), (date(2026, 2, 3), date(2026, 3, 3), date(2026, 4, 6))),
        # Month-end anchor: clamped per month from the anchor, not chained.
        (date(2026, 1, 30), (date(2026, 1, 30), date(2026, 3, 2), date(2026, 3, 30))),
    ],
)
def test_due_dates(anbima: BankCalendar, anchor: date, expected: tuple[date, ...]) -> None:
    assert due_dates(anbima, anchor, 3) == expected


@pytest.mark.parametrize("first_due", [AS_OF, date(2026, 2, 20)])
def test_first_due_date_must_be_in_the_window(anbima: BankCalendar, first_due: date) -> None:
    with pytest.raises(FirstDueDateOutOfWindow) as caught:
        build_offer(
            [make_item()],
            make_policy(),
            anbima,
            debtor_kind=DebtorKind.CONSUMER,
            as_of=AS_OF,
            first_due_date=first_due,
        )
    assert caught.value.params == {"earliest_date": "2026-02-10", "latest_date": "2026-02-19"}


@pytest.mark.parametrize(
    ("items", "down_payment", "error"),
    [
        ([], None, NoItemsSelected),
        ([make_item(), make_item()], None, DuplicateItem),
        ([make_item()], 103_501, DownPaymentAboveTotal),
        ([make_item()], -1, InvalidAmount),
    ],
)
def test_refused_inputs(
    anbima: BankCalendar, items: list[PendingItem], down_payment: int | None, error: type
) -> None:
    with pytest.raises(error):
        build_offer(
            items,
            make_policy(),
            anbima,
            debtor_kind=DebtorKind.CONSUMER,
            as_of=AS_OF,
            first_due_date=CARNIVAL_MONDAY,
            down_payment_cents=down_payment,
        )


def simulate(anbima: BankCalendar, down_payment: int | None = None, **policy: object) -> Offer:
    return build_offer(
        [make_item()],
        make_policy(**policy),
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=CARNIVAL_MONDAY,
        down_payment_cents=down_payment,
    )


def test_entrada_below_minimum_makes_every_plan_invalid(anbima: BankCalendar) -> None:
    offer = simulate(anbima, down_payment=4_999)
    assert offer.cash_option.valid
    for option in offer.options[1:]:
        assert not option.valid
        assert option.violations[0].code == DOWN_PAYMENT_BELOW_MINIMUM
        assert option.violations[0].params_dict() == {"amount_cents": 5_000}


def test_installments_below_the_minimum_are_marked(anbima: BankCalendar) -> None:
    offer = simulate(anbima, min_installment_cents=10_000)
    # Entrada 100,00 (the minimum installment), 935,00 financed at 0,95 % a.m. By hand:
    # 9 installments → 935 · 0,0095 / (1 − 1,0095^−9) ≈ 108,89; 10 → ≈ 98,45 < 100,00.
    assert offer.option(10).valid
    assert abs(offer.option(10).installment_cents - 10_889) <= 1
    for count in (11, 12):
        option = offer.option(count)
        assert [message.code for message in option.violations] == [INSTALLMENT_BELOW_MINIMUM]
        assert option.violations[0].params_dict() == {"amount_cents": 10_000}


def test_everything_as_entrada_leaves_nothing_to_finance(anbima: BankCalendar) -> None:
    two = simulate(anbima, down_payment=103_500).option(2)
    assert (two.financed_cents, two.installment_cents, two.total_cents) == (0, 0, 103_500)
    assert (two.cet_monthly_pct, two.cet_annual_pct) == (0, 0)
    assert not two.valid


def test_small_amounts_are_cash_only(anbima: BankCalendar) -> None:
    offer = simulate(anbima, installment_bands=(InstallmentBand(0, 1), InstallmentBand(10**6, 6)))
    assert len(offer.options) == 1


def test_an_uneven_schedule_is_not_offered(anbima: BankCalendar) -> None:
    # The issue: 10.000,00 at 15 % × 72 ended with R$ 2.157,99 against R$ 1.500,06 and was
    # offered. 1.000.000 + 3,5 % of charges = 1.035.000; entrada 35.000 → 1.000.000 financed.
    offer = build_offer(
        [make_item(principal_cents=1_000_000)],
        make_policy(plan_monthly_rate_pct=Decimal(15), installment_bands=(InstallmentBand(0, 73),)),
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=CARNIVAL_MONDAY,
        down_payment_cents=35_000,
    )
    uneven = offer.option(73)
    assert uneven.financed_cents == 1_000_000
    assert (uneven.installment_cents, uneven.last_installment_cents) == (150_006, 211_826)
    assert not uneven.valid
    assert uneven.violations == (
        Message.of(SCHEDULE_NOT_LEVEL, MSG_NOT_LEVEL, amount_cents=211_826),
    )
    assert offer.option(24).valid  # a shorter plan at the same rate is level


@pytest.mark.parametrize(
    ("first_due", "valid_until"),
    [
        (date(2026, 2, 10), date(2026, 2, 10)),  # the next day: not 5 days (14/02) as before
        (date(2026, 2, 14), date(2026, 2, 14)),  # a Saturday, but the validity ends first
        (date(2026, 2, 13), date(2026, 2, 13)),
        (date(2026, 2, 16), date(2026, 2, 14)),  # Carnival: paid on 18/02, validity 5 days
    ],
)
def test_an_offer_closes_no_later_than_its_first_payment(
    anbima: BankCalendar, first_due: date, valid_until: date
) -> None:
    offer = build_offer(
        [make_item()],
        make_policy(),  # offer_validity_days = 5
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=first_due,
    )
    assert offer.valid_until == valid_until
    assert (
        offer.valid_until <= offer.first_payment_date == offer.options[-1].installments[0].due_date
    )
    assert offer.is_open_on(valid_until) and not offer.is_open_on(valid_until + timedelta(1))


def test_a_saturday_first_payment_keeps_the_offer_open_until_it_is_due(
    anbima: BankCalendar,
) -> None:
    offer = build_offer(
        [make_item()],
        make_policy(offer_validity_days=30),
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=date(2026, 2, 14),  # Saturday, then Carnival: paid on Wednesday 18/02
    )
    assert offer.first_payment_date == date(2026, 2, 18)
    assert offer.valid_until == offer.open_until == date(2026, 2, 18)


def test_without_fees_the_cet_is_the_plan_rate(anbima: BankCalendar) -> None:
    # The issue: a 2,49 % a.m. plan showed a CET of 2,37 % a.m. with no fee (entrada Thursday
    # 09/01/2025, the installment moved from Sunday 09/02 to Monday 10/02, 32 days later).
    offer = build_offer(
        [make_item(principal_cents=150_000, due_date=date(2024, 12, 1))],
        make_policy(plan_monthly_rate_pct=Decimal("2.49"), min_installment_cents=1_000),
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=date(2025, 1, 8),
        first_due_date=date(2025, 1, 9),
    )
    two = offer.option(2)
    assert [row.due_date for row in two.installments] == [date(2025, 1, 9), date(2025, 2, 10)]
    assert two.valid
    annual = ((Decimal("1.0249") ** 12 - 1) * 100).quantize(Decimal("0.01"))
    assert annual == Decimal("34.33")
    for option in offer.options[1:]:
        assert (option.cet_monthly_pct, option.cet_annual_pct) == (Decimal("2.49"), annual)


def test_rate_zero_plan(anbima: BankCalendar) -> None:
    three = simulate(anbima, down_payment=3_500, plan_monthly_rate_pct=Decimal(0)).option(4)
    assert [row.amount_cents for row in three.installments] == [3_500, 33_333, 33_333, 33_334]
    assert (three.total_interest_cents, three.cet_monthly_pct, three.cet_annual_pct) == (0, 0, 0)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[list[PendingItem], dict[str, object], date, date, int | None]:
    as_of = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    count = draw(st.integers(1, 4))
    items = [
        PendingItem(
            item_id=f"it-{k}",
            reference=f"NF {k}",
            principal_cents=draw(st.integers(1, 5 * 10**6)),
            due_date=as_of - timedelta(days=draw(st.integers(-30, 2_000))),
        )
        for k in range(count)
    ]
    policy = {
        "plan_monthly_rate_pct": draw(st.decimals(0, 8, places=2)),
        "min_installment_cents": draw(st.integers(1, 20_000)),
        "min_down_payment_pct": draw(st.decimals(0, 50, places=1)),
        "installment_bands": (
            InstallmentBand(0, draw(st.integers(1, 4))),
            InstallmentBand(draw(st.integers(1, 10**6)), draw(st.integers(1, 24))),
        ),
    }
    first_due = as_of + timedelta(days=draw(st.integers(1, 10)))
    down_payment = draw(st.none() | st.integers(0, 10**5))
    return items, policy, as_of, first_due, down_payment


@DOMAIN
@given(scenarios())
def test_offer_properties(
    scenario: tuple[list[PendingItem], dict[str, object], date, date, int | None],
) -> None:
    items, overrides, as_of, first_due, requested = scenario
    policy = make_policy(charges=ChargeRules(Decimal(2), Decimal(1)), **overrides)
    calendar = anbima_calendar()
    try:
        offer = build_offer(
            items,
            policy,
            calendar,
            debtor_kind=DebtorKind.CONSUMER,
            as_of=as_of,
            first_due_date=first_due,
            down_payment_cents=requested,
        )
    except DownPaymentAboveTotal:
        return
    negotiated = offer.negotiated_cents
    assert negotiated == sum(line.balance.total_cents for line in offer.items)
    cash = offer.cash_option
    assert 0 <= cash.total_cents == negotiated - cash.discount_cents
    previous = None
    for option in offer.options:
        amounts = [row.amount_cents for row in option.installments]
        # Every schedule sums exactly to its total; nothing is ever negative.
        assert sum(amounts) == option.total_cents
        assert min(amounts) >= 0
        assert min(row.balance_after_cents for row in option.installments) >= 0
        dates = [row.due_date for row in option.installments]
        assert dates[0] == calendar.following(first_due)
        assert all(calendar.is_business_day(day) for day in dates)
        assert dates == sorted(set(dates))
        assert option.cet_monthly_pct >= 0
        if option.kind is OptionKind.CASH:
            continue
        assert option.total_cents == negotiated + option.total_interest_cents
        assert option.down_payment_cents + option.financed_cents == negotiated
        # Every payment meets the policy minimum, or the option is marked invalid.
        if min(amounts) < policy.min_installment_cents:
            assert not option.valid
        if option.down_payment_cents < policy.minimum_down_payment_cents(negotiated):
            assert not option.valid
        # Every option offered is level: the last within 1 % (or 1 centavo) of the others.
        if option.valid:
            assert set(amounts[1:-1]) <= {option.installment_cents}
            assert within_level_tolerance(option.installment_cents, amounts[-1])
            assert min(amounts) > 0
        if previous is not None:
            # More installments never mean a larger installment …
            assert option.installment_cents <= previous.installment_cents
            # … and with a positive rate the total grows with n.
            if policy.plan_monthly_rate_pct > 0:
                assert option.total_cents >= previous.total_cents
        # With no fees, the CET of an option offered is the plan rate at the precision shown
        # (unless the amounts are so small that ½ centavo shows; the note then says so).
        rate = policy.plan_monthly_rate_pct
        if option.valid and not rounding_may_show(tuple(amounts[1:]), rate):
            assert option.cet_monthly_pct == rate
        previous = option
