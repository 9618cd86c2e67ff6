"""portal/domain/payments.py: the attempt state machine and the money rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.payments import (
    ALLOWED,
    FINAL,
    FORCED,
    OPEN,
    Move,
    PaymentStatus,
    apply_to_installment,
    decide,
    matches_expected,
)
from tests.domain.conftest import DOMAIN

P = PaymentStatus


@pytest.mark.parametrize(
    ("current", "reported", "move"),
    [
        (P.CREATED, P.AWAITING, Move.APPLY),
        (P.AWAITING, P.SUCCEEDED, Move.APPLY),
        (P.PROCESSING, P.SUCCEEDED, Move.APPLY),
        (P.SUCCEEDED, P.PROCESSING, Move.IGNORE),  # out of order: success stands
        (P.SUCCEEDED, P.AWAITING, Move.IGNORE),
        (P.SUCCEEDED, P.SUCCEEDED, Move.IGNORE),  # duplicate delivery
        (P.EXPIRED, P.SUCCEEDED, Move.FORCE),  # late success after local expiry
        (P.CANCELED, P.SUCCEEDED, Move.FORCE),
        (P.FAILED, P.SUCCEEDED, Move.FORCE),
        (P.EXPIRED, P.FAILED, Move.IGNORE),
        (P.SUCCEEDED, P.REFUNDED, Move.APPLY),
        (P.REFUNDED, P.SUCCEEDED, Move.IGNORE),
        (P.FAILED, P.AWAITING, Move.APPLY),
    ],
)
def test_decide(current: PaymentStatus, reported: PaymentStatus, move: Move) -> None:
    assert decide(current, reported) == move


def test_the_graph() -> None:
    assert not (ALLOWED & FORCED)
    assert all(after == P.SUCCEEDED for _before, after in FORCED)
    assert not any(before == P.SUCCEEDED and after != P.REFUNDED for before, after in ALLOWED)
    assert {s for s, _ in ALLOWED} >= set(OPEN)
    assert P.REFUNDED in FINAL and not (OPEN & FINAL)


@DOMAIN
@given(st.lists(st.sampled_from(list(PaymentStatus)), max_size=30))
def test_any_event_sequence_only_moves_along_the_graph(reports: list[PaymentStatus]) -> None:
    state = P.CREATED
    succeeded_once = False
    for reported in reports:
        move = decide(state, reported)
        if move != Move.IGNORE:
            assert (state, reported) in ALLOWED | FORCED
            state = reported
        succeeded_once |= state == P.SUCCEEDED
        if succeeded_once:
            assert state in {P.SUCCEEDED, P.REFUNDED}  # a success is never undone


@pytest.mark.parametrize(
    ("due", "paid", "received", "applied", "excess"),
    [
        (10_000, 0, 10_000, 10_000, 0),
        (10_000, 0, 4_000, 4_000, 0),
        (10_000, 4_000, 10_000, 6_000, 4_000),
        (10_000, 10_000, 10_000, 0, 10_000),  # a second Pix paid: all excess
        (10_000, 12_000, 1, 0, 1),
    ],
)
def test_apply_to_installment(
    due: int, paid: int, received: int, applied: int, excess: int
) -> None:
    result = apply_to_installment(due, paid, received)
    assert (result.applied_cents, result.excess_cents) == (applied, excess)


@pytest.mark.parametrize("args", [(0, 0, 1), (1, -1, 1), (1, 0, -1)])
def test_apply_refuses_nonsense(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        apply_to_installment(*args)


@DOMAIN
@given(st.integers(1, 10**9), st.lists(st.integers(0, 10**9), max_size=10))
def test_net_paid_never_exceeds_due(due: int, receipts: list[int]) -> None:
    paid = 0
    for received in receipts:
        result = apply_to_installment(due, paid, received)
        assert result.applied_cents + result.excess_cents == received
        paid += result.applied_cents
        assert paid <= due


@pytest.mark.parametrize(
    ("received", "currency", "ok"),
    [
        (10_000, "brl", True),
        (10_000, "BRL", True),
        (9_999, "brl", False),
        (10_000, "usd", False),
        (None, "brl", False),
        (10_000, None, False),
    ],
)
def test_matches_expected(received: int | None, currency: str | None, ok: bool) -> None:
    assert matches_expected(10_000, received, currency) is ok
