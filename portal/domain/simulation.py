"""Offer building: the à vista option and one parcelado option per ``n`` from 2 to the maximum.

For a chosen set of items, a policy, a bank calendar, ``as_of`` and the first due date ``F`` the
debtor picked inside the policy window:

* each item gets its updated balance (``charges.py``) and its à vista discount from the tier of
  its own days overdue (``discounts.py``); the **negotiated amount** ``N`` is the sum of the
  updated totals;
* payment dates: payment ``k`` (0 = entrada) is due ``following(add_months(F, k))``: monthly from
  the anchor ``F``, clamped to the month's end, then moved to the next business day;
* **à vista** (``n = 1``): ``N − Σ discounts`` in one payment on the first date;
* **parcelado** (``n ≥ 2``, up to the band maximum for ``N``): the entrada ``E`` on the first
  date — the debtor's amount or, by default, the policy minimum
  ``min(N, max(⌈N · min_down_payment_pct / 100⌉, min_installment))`` — and ``N − E`` financed by
  Tabela Price (``price.py``) over ``n − 1`` monthly installments at the policy's plan rate;
* an option is **invalid** (kept, with reasons, and not offered) when its entrada is below the
  minimum entrada, any installment is below the minimum installment value, or its schedule is
  not level (``PriceSchedule.is_level``: the last installment more than 1 % away from the
  others, or a zero installment);
* the offer is valid for ``offer_validity_days`` from ``as_of`` but **never after its first
  payment date** (the entrada or the à vista payment): accepted later, the agreement would
  start overdue and lapse on the next job run;
* **CET** (``cet.py``, ``plan_cet``): released ``N − E`` at month 0 (the entrada's date), repaid
  by installment ``k`` at month ``k``, the schedule's own count (a roll to a business day is not
  a later payment), so with no fees it is the plan rate. The entrada itself is paid on the
  release date, so it carries no cost. The à vista option and an option with nothing financed
  have a CET of 0.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from portal.domain.calendar import BankCalendar, add_months
from portal.domain.cet import NO_COST, Cet, plan_cet
from portal.domain.charges import DebtorKind, PendingItem, updated_balance
from portal.domain.discounts import cash_discount
from portal.domain.errors import (
    N_,
    DownPaymentAboveTotal,
    DuplicateItem,
    FirstDueDateOutOfWindow,
    Message,
    NoItemsSelected,
)
from portal.domain.money import pct_to_rate, require_cents
from portal.domain.offers import Installment, ItemLine, Offer, OptionKind, PlanOption
from portal.domain.policy import NegotiationPolicy
from portal.domain.price import price_schedule

NO_INTEREST_PCT = Decimal(0)
DOWN_PAYMENT_BELOW_MINIMUM = "down_payment_below_minimum"
INSTALLMENT_BELOW_MINIMUM = "installment_below_minimum"
SCHEDULE_NOT_LEVEL = "schedule_not_level"
MSG_DOWN_PAYMENT_MINIMUM = N_("entrada mínima de %(amount)s")
MSG_INSTALLMENT_MINIMUM = N_("mínimo de %(amount)s por parcela")
MSG_NOT_LEVEL = N_("parcelas desiguais: a última seria de %(amount)s")


def due_dates(calendar: BankCalendar, first_due_date: date, count: int) -> tuple[date, ...]:
    """Dates of payments 0 … count − 1: monthly from the anchor, each on a business day."""
    return tuple(calendar.following(add_months(first_due_date, k)) for k in range(count))


def _select_lines(
    items: Sequence[PendingItem], policy: NegotiationPolicy, kind: DebtorKind, as_of: date
) -> tuple[ItemLine, ...]:
    if not items:
        raise NoItemsSelected()
    seen: set[str] = set()
    lines = []
    for item in items:
        if item.item_id in seen:
            raise DuplicateItem(item.item_id)
        seen.add(item.item_id)
        balance = updated_balance(item, policy.charges, kind, as_of)
        lines.append(
            ItemLine(balance, cash_discount(balance, policy.tier_for(balance.days_overdue)))
        )
    return tuple(lines)


def _cash_option(negotiated: int, discount: int, day: date) -> PlanOption:
    amount = negotiated - discount
    payment = Installment(0, day, amount, 0, amount, 0)
    return PlanOption(
        kind=OptionKind.CASH,
        payment_count=1,
        down_payment_cents=amount,
        installment_count=0,
        installment_cents=0,
        last_installment_cents=0,
        financed_cents=0,
        total_cents=amount,
        total_interest_cents=0,
        discount_cents=discount,
        nominal_monthly_rate_pct=NO_INTEREST_PCT,
        cet_monthly_pct=NO_COST.monthly_pct,
        cet_annual_pct=NO_COST.annual_pct,
        installments=(payment,),
        violations=(),
    )


def _installment_option(
    policy: NegotiationPolicy,
    negotiated: int,
    down_payment: int,
    count: int,
    dates: tuple[date, ...],
    guess: float,
) -> PlanOption:
    financed = negotiated - down_payment
    schedule = price_schedule(financed, pct_to_rate(policy.plan_monthly_rate_pct), count - 1)
    rows = [Installment(0, dates[0], down_payment, 0, down_payment, financed)]
    rows.extend(
        Installment(k, dates[k], amount, interest, amortization, balance)
        for k, amount, interest, amortization, balance in zip(
            range(1, count),
            schedule.amounts,
            schedule.interests,
            schedule.amortizations,
            schedule.balances,
            strict=True,
        )
    )
    violations = []
    minimum_down = policy.minimum_down_payment_cents(negotiated)
    if down_payment < minimum_down:
        violations.append(
            Message.of(
                DOWN_PAYMENT_BELOW_MINIMUM, MSG_DOWN_PAYMENT_MINIMUM, amount_cents=minimum_down
            )
        )
    if min(schedule.amounts) < policy.min_installment_cents:
        violations.append(
            Message.of(
                INSTALLMENT_BELOW_MINIMUM,
                MSG_INSTALLMENT_MINIMUM,
                amount_cents=policy.min_installment_cents,
            )
        )
    if not schedule.is_level:
        violations.append(
            Message.of(SCHEDULE_NOT_LEVEL, MSG_NOT_LEVEL, amount_cents=schedule.amounts[-1])
        )
    cost: Cet = NO_COST
    if financed:
        cost = plan_cet(financed, schedule.amounts, guess=guess)
    return PlanOption(
        kind=OptionKind.INSTALLMENTS,
        payment_count=count,
        down_payment_cents=down_payment,
        installment_count=count - 1,
        installment_cents=schedule.payment_cents,
        last_installment_cents=schedule.amounts[-1],
        financed_cents=financed,
        total_cents=down_payment + schedule.total_cents,
        total_interest_cents=schedule.total_interest_cents,
        discount_cents=0,
        nominal_monthly_rate_pct=policy.plan_monthly_rate_pct,
        cet_monthly_pct=cost.monthly_pct,
        cet_annual_pct=cost.annual_pct,
        installments=tuple(rows),
        violations=tuple(violations),
    )


def build_offer(
    items: Sequence[PendingItem],
    policy: NegotiationPolicy,
    calendar: BankCalendar,
    *,
    debtor_kind: DebtorKind,
    as_of: date,
    first_due_date: date,
    down_payment_cents: int | None = None,
) -> Offer:
    """Simulate every option for ``items`` (rules in the module docstring).

    Raises ``NoItemsSelected``, ``DuplicateItem``, ``FirstDueDateOutOfWindow`` (the chosen date
    is outside ``policy.first_due_window`` counted from ``as_of``), ``InvalidAmount`` and
    ``DownPaymentAboveTotal`` (a requested entrada above the negotiated amount).
    """
    earliest, latest = policy.first_due_window.bounds(as_of)
    if not earliest <= first_due_date <= latest:
        raise FirstDueDateOutOfWindow(earliest.isoformat(), latest.isoformat())
    lines = _select_lines(items, policy, debtor_kind, as_of)
    negotiated = sum(line.balance.total_cents for line in lines)
    discount = sum(line.cash_discount.total_cents for line in lines)
    if down_payment_cents is None:
        down_payment = policy.minimum_down_payment_cents(negotiated)
    else:
        down_payment = require_cents("down_payment_cents", down_payment_cents)
        if down_payment > negotiated:
            raise DownPaymentAboveTotal(negotiated)
    max_payments = policy.max_payments_for(negotiated)
    dates = due_dates(calendar, first_due_date, max_payments)
    # The nominal rate compounded to a year is close to the CET: a good start for the solver.
    guess = float((1 + pct_to_rate(policy.plan_monthly_rate_pct)) ** 12 - 1)
    options = [_cash_option(negotiated, discount, dates[0])]
    options.extend(
        _installment_option(policy, negotiated, down_payment, count, dates, guess)
        for count in range(2, max_payments + 1)
    )
    return Offer(
        policy_id=policy.policy_id,
        policy_version=policy.version,
        debtor_kind=debtor_kind,
        as_of=as_of,
        # Never open after its first payment date: accepted later, it would start overdue.
        valid_until=min(as_of + timedelta(days=policy.offer_validity_days), dates[0]),
        first_due_date=first_due_date,
        requested_down_payment_cents=down_payment_cents,
        negotiated_cents=negotiated,
        items=lines,
        options=tuple(options),
    )
