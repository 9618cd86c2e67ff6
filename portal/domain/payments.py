"""The payment attempt state machine, and the money rules around it.

A payment attempt is one try at paying one installment (a Pix code or a card checkout). The
provider tells us what happened through events that arrive at least once and in any order;
an event is a hint, and only the transitions below are allowed. Two properties hold:

* **no lost payment** — a success reported by the provider is never dropped: even after we
  expired or cancelled the attempt locally, it is applied through a *forced* transition
  ("corrected to match the provider") and flagged;
* **no double charge** — money is applied to an installment only up to what is still due;
  anything beyond is flagged as a duplicate and refunded (:func:`apply_to_installment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PaymentStatus(StrEnum):
    CREATED = "created"  # asked the provider, nothing shown yet
    AWAITING = "awaiting"  # Pix code shown / checkout page open: waiting for the payer
    PROCESSING = "processing"  # the provider is confirming (e.g. card, bank)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"  # our expiry (the provider confirmed nothing was paid)
    CANCELED = "canceled"  # replaced by a newer attempt, or cancelled at the provider
    REFUNDED = "refunded"  # the whole amount went back


P = PaymentStatus
OPEN = frozenset({P.CREATED, P.AWAITING, P.PROCESSING})
FINAL = frozenset({P.FAILED, P.EXPIRED, P.CANCELED, P.REFUNDED})

ALLOWED: frozenset[tuple[PaymentStatus, PaymentStatus]] = frozenset(
    {
        (P.CREATED, P.AWAITING),
        (P.CREATED, P.PROCESSING),
        (P.CREATED, P.SUCCEEDED),
        (P.CREATED, P.FAILED),
        (P.CREATED, P.EXPIRED),
        (P.CREATED, P.CANCELED),
        (P.AWAITING, P.PROCESSING),
        (P.AWAITING, P.SUCCEEDED),
        (P.AWAITING, P.FAILED),
        (P.AWAITING, P.EXPIRED),
        (P.AWAITING, P.CANCELED),
        (P.PROCESSING, P.SUCCEEDED),
        (P.PROCESSING, P.FAILED),
        (P.PROCESSING, P.CANCELED),
        (P.FAILED, P.AWAITING),  # a card can be retried on the same checkout
        (P.SUCCEEDED, P.REFUNDED),
    }
)
"""Ordinary transitions. A repeated status (``succeeded`` again) is not a transition."""

FORCED: frozenset[tuple[PaymentStatus, PaymentStatus]] = frozenset(
    {
        (P.EXPIRED, P.SUCCEEDED),
        (P.CANCELED, P.SUCCEEDED),
        (P.FAILED, P.SUCCEEDED),
    }
)
"""Corrections to match the provider: a late success is applied, never dropped."""


class Move(StrEnum):
    APPLY = "apply"  # an ordinary transition
    FORCE = "force"  # a correction to match the provider (flag it, tell the operators)
    IGNORE = "ignore"  # same status again, or an older event arriving late


def decide(current: PaymentStatus, reported: PaymentStatus) -> Move:
    """What to do when the provider reports ``reported`` for an attempt in ``current``.

    ``succeeded`` followed by a late ``processing`` stays ``succeeded`` (ignored); a success
    after a local expiry is forced. Nothing else can leave a final state.
    """
    if current == reported:
        return Move.IGNORE
    if (current, reported) in ALLOWED:
        return Move.APPLY
    if (current, reported) in FORCED:
        return Move.FORCE
    return Move.IGNORE


@dataclass(frozen=True, slots=True)
class Application:
    """How a received amount is applied to an installment."""

    applied_cents: int  # credited to the installment
    excess_cents: int  # beyond what was due: a duplicate, to be refunded


def apply_to_installment(
    due_cents: int, already_paid_cents: int, received_cents: int
) -> Application:
    """Credit at most what is still due; the rest is excess (Σ net paid ≤ due, always)."""
    if due_cents <= 0 or already_paid_cents < 0 or received_cents < 0:
        raise ValueError("amounts must be positive (due) and non-negative")
    outstanding = max(0, due_cents - already_paid_cents)
    applied = min(outstanding, received_cents)
    return Application(applied, received_cents - applied)


def matches_expected(expected_cents: int, received_cents: int | None, currency: str | None) -> bool:
    """The provider's amount and currency are what we asked for (else: hold and flag)."""
    return received_cents == expected_cents and (currency or "").lower() == "brl"
