"""The agreement lifecycle: states, allowed transitions and time-based evaluation.

States:

* ``awaiting_down_payment`` — accepted; the entrada (installment 0) is not paid yet;
* ``active`` — the entrada is paid; monthly installments run;
* ``completed`` — every installment is paid (a discharge letter follows);
* ``lapsed`` — the entrada was not paid by its due date plus the grace days: the agreement
  never started and the items reopen as they were;
* ``broken`` — an installment is more than ``breach_after_days`` late (quebra de acordo):
  the items reopen and what was paid is credited to them;
* ``cancelled`` — by the debtor before any payment, or by staff with a reason.

Every change goes through :func:`transition`, which raises :class:`IllegalTransition` for
anything not in :data:`TRANSITIONS`. Time-based changes come from :func:`due_transition`,
a pure function of the schedule, the payments and the date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from portal.domain.errors import N_, NegotiationError
from portal.domain.policy import BreachRule


class AgreementState(StrEnum):
    AWAITING_DOWN_PAYMENT = "awaiting_down_payment"
    ACTIVE = "active"
    COMPLETED = "completed"
    LAPSED = "lapsed"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class Trigger(StrEnum):
    DOWN_PAYMENT_PAID = "down_payment_paid"
    ALL_PAID = "all_paid"
    DOWN_PAYMENT_OVERDUE = "down_payment_overdue"
    INSTALLMENT_OVERDUE = "installment_overdue"
    CANCELLED_BY_DEBTOR = "cancelled_by_debtor"
    CANCELLED_BY_STAFF = "cancelled_by_staff"


S, T = AgreementState, Trigger
OPEN_STATES = frozenset({S.AWAITING_DOWN_PAYMENT, S.ACTIVE})
FINAL_STATES = frozenset({S.COMPLETED, S.LAPSED, S.BROKEN, S.CANCELLED})

TRANSITIONS: dict[tuple[AgreementState, Trigger], AgreementState] = {
    (S.AWAITING_DOWN_PAYMENT, T.DOWN_PAYMENT_PAID): S.ACTIVE,
    (S.AWAITING_DOWN_PAYMENT, T.ALL_PAID): S.COMPLETED,  # à vista: one payment
    (S.AWAITING_DOWN_PAYMENT, T.DOWN_PAYMENT_OVERDUE): S.LAPSED,
    (S.AWAITING_DOWN_PAYMENT, T.CANCELLED_BY_DEBTOR): S.CANCELLED,
    (S.AWAITING_DOWN_PAYMENT, T.CANCELLED_BY_STAFF): S.CANCELLED,
    (S.ACTIVE, T.ALL_PAID): S.COMPLETED,
    (S.ACTIVE, T.INSTALLMENT_OVERDUE): S.BROKEN,
    (S.ACTIVE, T.CANCELLED_BY_STAFF): S.CANCELLED,
}
"""Every allowed transition; anything else is refused."""


class IllegalTransition(NegotiationError):
    """The agreement cannot go from its state through this trigger."""

    code = "illegal_transition"
    message_key = N_("esta ação não é possível na situação atual do acordo")

    def __init__(self, state: AgreementState, trigger: Trigger) -> None:
        super().__init__(state=state.value, trigger=trigger.value)
        self.state = state
        self.trigger = trigger


def transition(state: AgreementState, trigger: Trigger) -> AgreementState:
    """The state after ``trigger``; raises :class:`IllegalTransition` when not allowed."""
    try:
        return TRANSITIONS[(state, trigger)]
    except KeyError:
        raise IllegalTransition(state, trigger) from None


@dataclass(frozen=True, slots=True)
class ScheduledPayment:
    """One installment as the lifecycle sees it: number 0 is the entrada."""

    number: int
    due_date: date
    paid: bool


def due_transition(
    state: AgreementState,
    schedule: Sequence[ScheduledPayment],
    rule: BreachRule,
    today: date,
) -> Trigger | None:
    """The time-based trigger that applies today, if any.

    * Awaiting the entrada and the entrada is late beyond the grace days → lapse.
    * Active and some unpaid installment is late beyond ``breach_after_days`` → break.

    Completion is not time-based: it follows a payment (``Trigger.ALL_PAID``).
    """
    if state == S.AWAITING_DOWN_PAYMENT:
        entrada = min(schedule, key=lambda p: p.number)
        if not entrada.paid and rule.is_late(entrada.due_date, today):
            return T.DOWN_PAYMENT_OVERDUE
        return None
    if state == S.ACTIVE:
        for payment in schedule:
            if not payment.paid and rule.breaks_agreement(payment.due_date, today):
                return T.INSTALLMENT_OVERDUE
    return None


def payment_trigger(state: AgreementState, schedule: Sequence[ScheduledPayment]) -> Trigger | None:
    """The trigger a payment causes: everything paid, or the entrada just paid."""
    if all(p.paid for p in schedule):
        return T.ALL_PAID
    entrada = min(schedule, key=lambda p: p.number)
    if state == S.AWAITING_DOWN_PAYMENT and entrada.paid:
        return T.DOWN_PAYMENT_PAID
    return None


def allocate(amount_cents: int, weights: Sequence[int]) -> tuple[int, ...]:
    """Split ``amount_cents`` in proportion to ``weights``, exactly (largest remainder).

    Used to credit what was paid on a broken agreement back to its items, in proportion to
    their amounts at acceptance. Ties go to the earlier item. The parts sum to the amount.
    """
    if amount_cents < 0 or not weights or any(w < 0 for w in weights):
        raise ValueError("a non-negative amount and non-negative weights are needed")
    total = sum(weights)
    if total == 0:
        raise ValueError("weights must not all be zero")
    floors = [amount_cents * w // total for w in weights]
    remainders = [amount_cents * w % total for w in weights]
    left = amount_cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return tuple(floors)


def lateness_days(due: date, today: date) -> int:
    """Calendar days an unpaid installment is late (0 on or before its due date)."""
    return max(0, (today - due).days)


class InstallmentDisplay(StrEnum):
    """How an installment reads to the debtor."""

    PAID = "paid"  # paga
    UPCOMING = "upcoming"  # a pagar
    OVERDUE = "overdue"  # vencida, still within the grace days
    LATE = "late"  # em atraso há N dias, beyond the grace days


def installment_display(
    due: date, paid: bool, today: date, rule: BreachRule
) -> tuple[InstallmentDisplay, int]:
    """The installment's status for display and the days it is late (0 when not late)."""
    if paid:
        return InstallmentDisplay.PAID, 0
    days = lateness_days(due, today)
    if days == 0:
        return InstallmentDisplay.UPCOMING, 0
    if rule.is_late(due, today):
        return InstallmentDisplay.LATE, days
    return InstallmentDisplay.OVERDUE, days
