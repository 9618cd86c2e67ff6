"""portal/domain/pix_automatico.py: the authorisation's states, the charge window, retries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.domain.pix_automatico import (
    LIVE,
    SPEC_CANCELLER,
    SPEC_STATUS,
    Canceller,
    ChargeOutcome,
    DueInstallment,
    InvalidTransition,
    RecurrenceStatus,
    RetryPolicy,
    can_collect,
    charge_outcome,
    collection_window,
    next_retry,
    to_charge,
    transition,
)

R = RecurrenceStatus
DUE = date(2026, 3, 20)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (R.REQUESTED, R.APPROVED),
        (R.REQUESTED, R.REJECTED),
        (R.REQUESTED, R.EXPIRED),
        (R.REQUESTED, R.CANCELLED),
        (R.APPROVED, R.CANCELLED),
        (R.APPROVED, R.APPROVED),  # a redelivered notification
        (R.CANCELLED, R.CANCELLED),
    ],
)
def test_allowed_transitions(current: R, target: R) -> None:
    assert transition(current, target) == target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (R.APPROVED, R.REQUESTED),
        (R.APPROVED, R.REJECTED),
        (R.APPROVED, R.EXPIRED),
        (R.CANCELLED, R.APPROVED),
        (R.REJECTED, R.APPROVED),
        (R.EXPIRED, R.CANCELLED),
    ],
)
def test_refused_transitions(current: R, target: R) -> None:
    with pytest.raises(InvalidTransition) as caught:
        transition(current, target)
    assert caught.value.current == current and caught.value.target == target
    assert str(current) in str(caught.value)


def test_only_an_approved_authorisation_collects() -> None:
    assert [s for s in R if can_collect(s)] == [R.APPROVED]
    assert {R.REQUESTED, R.APPROVED} == LIVE


def test_spec_vocabulary_is_complete() -> None:
    assert set(SPEC_STATUS.values()) == set(R)
    assert set(SPEC_CANCELLER.values()) == set(Canceller)
    assert SPEC_STATUS["APROVADA"] == R.APPROVED
    assert SPEC_CANCELLER["USUARIO_PAGADOR"] == Canceller.PAYER


def test_collection_window_is_ten_to_two_days_before() -> None:
    assert collection_window(DUE) == (date(2026, 3, 10), date(2026, 3, 18))


def _inst(
    number: int, due: date, *, open_cents: int = 10_000, charged: bool = False
) -> DueInstallment:
    return DueInstallment(number, due, open_cents, charged)


def test_to_charge_picks_owed_installments_inside_their_window() -> None:
    today = date(2026, 3, 12)
    installments = [
        _inst(3, DUE + timedelta(days=30)),  # too early
        _inst(2, DUE),  # inside
        _inst(1, DUE - timedelta(days=3), open_cents=0),  # paid
        _inst(4, DUE + timedelta(days=1), charged=True),  # has its charge
        _inst(0, date(2026, 3, 13)),  # past its last day (the 11th)
        _inst(5, date(2026, 3, 14)),  # last day today
    ]
    assert [i.number for i in to_charge(installments, today)] == [2, 5]


def test_to_charge_first_day_of_window() -> None:
    assert to_charge([_inst(1, DUE)], DUE - timedelta(days=10)) == [_inst(1, DUE)]
    assert to_charge([_inst(1, DUE)], DUE - timedelta(days=11)) == []


def test_no_retry_without_the_policy() -> None:
    assert next_retry(RetryPolicy.NONE, DUE, 0, DUE) is None


def test_retries_follow_3r_7d() -> None:
    policy = RetryPolicy.THREE_IN_SEVEN_DAYS
    assert next_retry(policy, DUE, 0, DUE) == DUE + timedelta(days=1)
    # an attempt failing before the due date is retried the day after the due date
    assert next_retry(policy, DUE, 0, DUE - timedelta(days=2)) == DUE + timedelta(days=1)
    assert next_retry(policy, DUE, 2, DUE + timedelta(days=3)) == DUE + timedelta(days=4)
    assert next_retry(policy, DUE, 3, DUE + timedelta(days=1)) is None  # three done
    assert next_retry(policy, DUE, 1, DUE + timedelta(days=6)) == DUE + timedelta(days=7)
    assert next_retry(policy, DUE, 1, DUE + timedelta(days=7)) is None  # past the 7 days


def test_some_rejections_end_the_charge() -> None:
    policy = RetryPolicy.THREE_IN_SEVEN_DAYS
    assert next_retry(policy, DUE, 0, DUE, rejection="AM04") == DUE + timedelta(days=1)
    assert next_retry(policy, DUE, 0, DUE, rejection="MSUC") is None


@pytest.mark.parametrize(
    ("status", "attempts", "outcome"),
    [
        ("CONCLUIDA", ["PAGA"], ChargeOutcome.COLLECTED),
        ("ATIVA", ["REJEITADA", "PAGA"], ChargeOutcome.COLLECTED),
        ("CANCELADA", [], ChargeOutcome.ENDED),
        ("REJEITADA", ["REJEITADA"], ChargeOutcome.ENDED),
        ("EXPIRADA", ["EXPIRADA"], ChargeOutcome.ENDED),
        ("ATIVA", ["REJEITADA"], ChargeOutcome.FAILED),
        ("ATIVA", ["EXPIRADA"], ChargeOutcome.FAILED),
        ("ATIVA", ["REJEITADA", "AGENDADA"], ChargeOutcome.PENDING),
        ("ATIVA", [], ChargeOutcome.PENDING),
        ("CRIADA", [], ChargeOutcome.PENDING),
    ],
)
def test_charge_outcome(status: str, attempts: list[str], outcome: ChargeOutcome) -> None:
    assert charge_outcome(status, attempts) == outcome
