"""portal/domain/agreements.py: the lifecycle state machine, exhaustively."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.agreements import (
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    AgreementState,
    IllegalTransition,
    ScheduledPayment,
    Trigger,
    allocate,
    due_transition,
    lateness_days,
    payment_trigger,
    transition,
)
from portal.domain.policy import BreachRule
from tests.domain.conftest import DOMAIN

S, T = AgreementState, Trigger
RULE = BreachRule(grace_days=5, breach_after_days=30)
DAY = date(2026, 3, 10)


def schedule(*paid: bool, start: date = DAY) -> list[ScheduledPayment]:
    return [ScheduledPayment(n, start + timedelta(days=30 * n), p) for n, p in enumerate(paid)]


@pytest.mark.parametrize(
    ("state", "trigger", "after"),
    [
        (S.AWAITING_DOWN_PAYMENT, T.DOWN_PAYMENT_PAID, S.ACTIVE),
        (S.AWAITING_DOWN_PAYMENT, T.ALL_PAID, S.COMPLETED),
        (S.AWAITING_DOWN_PAYMENT, T.DOWN_PAYMENT_OVERDUE, S.LAPSED),
        (S.AWAITING_DOWN_PAYMENT, T.CANCELLED_BY_DEBTOR, S.CANCELLED),
        (S.AWAITING_DOWN_PAYMENT, T.CANCELLED_BY_STAFF, S.CANCELLED),
        (S.ACTIVE, T.ALL_PAID, S.COMPLETED),
        (S.ACTIVE, T.INSTALLMENT_OVERDUE, S.BROKEN),
        (S.ACTIVE, T.CANCELLED_BY_STAFF, S.CANCELLED),
    ],
)
def test_allowed_transitions(
    state: AgreementState, trigger: Trigger, after: AgreementState
) -> None:
    assert transition(state, trigger) == after


def test_every_other_pair_is_refused() -> None:
    refused = 0
    for state in AgreementState:
        for trigger in Trigger:
            if (state, trigger) in TRANSITIONS:
                continue
            with pytest.raises(IllegalTransition) as excinfo:
                transition(state, trigger)
            assert excinfo.value.message.params_dict() == {
                "state": state.value,
                "trigger": trigger.value,
            }
            refused += 1
    assert refused == len(AgreementState) * len(Trigger) - len(TRANSITIONS)


def test_final_states_have_no_way_out_and_debtors_cancel_only_before_paying() -> None:
    assert {s for s, _ in TRANSITIONS} == set(OPEN_STATES)
    assert not FINAL_STATES & {s for s, _ in TRANSITIONS}
    assert {s for s, t in TRANSITIONS if t == T.CANCELLED_BY_DEBTOR} == {S.AWAITING_DOWN_PAYMENT}


@pytest.mark.parametrize(
    ("days_after_due", "expected"),
    [
        (0, None),
        (5, None),
        (6, T.DOWN_PAYMENT_OVERDUE),
        (40, T.DOWN_PAYMENT_OVERDUE),
    ],
)
def test_lapse_after_grace(days_after_due: int, expected: Trigger | None) -> None:
    today = DAY + timedelta(days=days_after_due)
    assert due_transition(S.AWAITING_DOWN_PAYMENT, schedule(False, False), RULE, today) == (
        expected
    )


def test_paid_entrada_never_lapses() -> None:
    assert (
        due_transition(
            S.AWAITING_DOWN_PAYMENT, schedule(True, False), RULE, DAY + timedelta(days=100)
        )
        is None
    )


@pytest.mark.parametrize(
    ("days_late", "expected"),
    [
        (30, None),
        (31, T.INSTALLMENT_OVERDUE),
    ],
)
def test_break_beyond_breach_days(days_late: int, expected: Trigger | None) -> None:
    plan = schedule(True, False, False)
    today = plan[1].due_date + timedelta(days=days_late)
    assert due_transition(S.ACTIVE, plan, RULE, today) == expected


def test_final_and_fully_paid_agreements_have_no_due_transition() -> None:
    far = DAY + timedelta(days=1000)
    for state in FINAL_STATES:
        assert due_transition(state, schedule(False, False), RULE, far) is None
    assert due_transition(S.ACTIVE, schedule(True, True), RULE, far) is None


def test_payment_triggers() -> None:
    assert payment_trigger(S.AWAITING_DOWN_PAYMENT, schedule(True, False)) == T.DOWN_PAYMENT_PAID
    assert payment_trigger(S.AWAITING_DOWN_PAYMENT, schedule(True)) == T.ALL_PAID
    assert payment_trigger(S.ACTIVE, schedule(True, True, True)) == T.ALL_PAID
    assert payment_trigger(S.ACTIVE, schedule(True, True, False)) is None
    assert payment_trigger(S.AWAITING_DOWN_PAYMENT, schedule(False, True)) is None


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (100, [1, 1, 1], (34, 33, 33)),
        (10_000, [30_000, 10_000], (7_500, 2_500)),
        (0, [5, 7], (0, 0)),
        (1, [1, 1], (1, 0)),
        (7, [0, 3], (0, 7)),
    ],
)
def test_allocate_examples(amount: int, weights: list[int], expected: tuple[int, ...]) -> None:
    assert allocate(amount, weights) == expected


@pytest.mark.parametrize(("amount", "weights"), [(-1, [1]), (1, []), (1, [0, 0]), (1, [-1, 2])])
def test_allocate_refuses_nonsense(amount: int, weights: list[int]) -> None:
    with pytest.raises(ValueError):
        allocate(amount, weights)


@DOMAIN
@given(st.integers(0, 10**9), st.lists(st.integers(1, 10**7), min_size=1, max_size=30))
def test_allocation_is_exact_and_proportional(amount: int, weights: list[int]) -> None:
    parts = allocate(amount, weights)
    assert sum(parts) == amount
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part * total - amount * weight) < total  # within one centavo of exact


def test_lateness() -> None:
    assert lateness_days(DAY, DAY) == 0
    assert lateness_days(DAY, DAY - timedelta(days=3)) == 0
    assert lateness_days(DAY, DAY + timedelta(days=3)) == 3


@pytest.mark.parametrize(
    ("paid", "days", "expected"),
    [
        (True, 40, ("paid", 0)),
        (False, -3, ("upcoming", 0)),
        (False, 0, ("upcoming", 0)),
        (False, 1, ("overdue", 1)),
        (False, 5, ("overdue", 5)),
        (False, 6, ("late", 6)),
    ],
)
def test_installment_display(paid: bool, days: int, expected: tuple[str, int]) -> None:
    from portal.domain.agreements import installment_display

    status, late = installment_display(DAY, paid, DAY + timedelta(days=days), RULE)
    assert (status.value, late) == expected
