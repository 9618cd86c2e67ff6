"""Removing a paid debt from the credit bureaus (cadastros de inadimplentes: SPC, Serasa,
Boa Vista, Quod).

Súmula 548 of the STJ: the creditor must remove the record "no prazo de cinco dias úteis,
a partir do integral e efetivo pagamento do débito". The deadline is therefore the fifth
business day after the day of payment (the day of payment itself is not counted), on the
bank calendar the rest of the portal uses (:mod:`portal.domain.calendar`).

States of one removal:

* ``waiting`` — paid, not confirmed yet, the deadline has not passed;
* ``overdue`` — the deadline passed without the company confirming the removal;
* ``done`` — the company confirmed the removal on or before the deadline;
* ``done_late`` — confirmed, but after the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.domain.calendar import BankCalendar

REMOVAL_BUSINESS_DAYS = 5
"""Súmula 548 STJ: five business days after full payment."""

_ONE_DAY = timedelta(days=1)
_YES = frozenset({"sim", "s", "1", "true", "x", "yes", "y"})
_NO = frozenset({"nao", "não", "n", "0", "false", "no", ""})


class RemovalState(StrEnum):
    WAITING = "waiting"
    OVERDUE = "overdue"
    DONE = "done"
    DONE_LATE = "done_late"


@dataclass(frozen=True, slots=True)
class RemovalStatus:
    """Where one removal stands on ``today``."""

    paid_on: date
    deadline: date
    state: RemovalState
    confirmed_on: date | None
    business_days_left: int
    """Business days after today up to the deadline (0 once confirmed or overdue)."""
    days_late: int
    """Calendar days past the deadline: until today when overdue, until the confirmation
    when done late, otherwise 0."""

    @property
    def is_done(self) -> bool:
        return self.state in (RemovalState.DONE, RemovalState.DONE_LATE)


def business_days_between(start: date, end: date, calendar: BankCalendar) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
    count, day = 0, start
    while day < end:
        day += _ONE_DAY
        if calendar.is_business_day(day):
            count += 1
    return count


def removal_deadline(paid_on: date, calendar: BankCalendar) -> date:
    """The last day the company has to remove the record (Súmula 548 STJ)."""
    return calendar.add_business_days(paid_on, REMOVAL_BUSINESS_DAYS)


def removal_status(
    paid_on: date, confirmed_on: date | None, today: date, calendar: BankCalendar
) -> RemovalStatus:
    """The removal's state on ``today``, given the payment day and the confirmation, if any."""
    deadline = removal_deadline(paid_on, calendar)
    if confirmed_on is not None:
        late = max(0, (confirmed_on - deadline).days)
        state = RemovalState.DONE_LATE if late else RemovalState.DONE
        return RemovalStatus(paid_on, deadline, state, confirmed_on, 0, late)
    if today > deadline:
        return RemovalStatus(
            paid_on, deadline, RemovalState.OVERDUE, None, 0, (today - deadline).days
        )
    left = business_days_between(today, deadline, calendar)
    return RemovalStatus(paid_on, deadline, RemovalState.WAITING, None, left, 0)


class RemovalDateProblem(StrEnum):
    FUTURE = "future"
    BEFORE_DEBT = "before_debt"


def removal_date_problem(removed_on: date, due_on: date, today: date) -> RemovalDateProblem | None:
    """Why a confirmed removal date cannot be right, or None: a removal is not in the future,
    nor before the debt fell due (no record could exist then)."""
    if removed_on > today:
        return RemovalDateProblem.FUTURE
    if removed_on < due_on:
        return RemovalDateProblem.BEFORE_DEBT
    return None


def parse_yes_no(text: str) -> bool | None:
    """A spreadsheet's yes/no cell ("sim", "não", "S", "1", "x", blank…); None when unreadable.
    A blank cell means no."""
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None
