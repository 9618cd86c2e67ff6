"""Pix Automático: the payer's authorisation of a recurrence, when each installment is charged,
and what happens after a failed charge (the BCB's API Pix 2.9.0, ``rec`` and ``cobr``).

* **Authorisation** (``rec``): created by the company (``CRIADA``: we call it *requested*), then
  approved (``APROVADA``), rejected (``REJEITADA``) or left to expire (``EXPIRADA``) by the
  payer in her bank app; an approved one can be cancelled (``CANCELADA``) at any time by the
  payer, her bank, the company or its bank. Nothing is charged without an approval.
* **Charges** (``cobr``): one per installment, sent to the payer's bank between
  :data:`EARLIEST_DAYS_BEFORE` and :data:`LATEST_DAYS_BEFORE` calendar days before its due date
  (the Pix Automático rules; the API refuses a ``dataDeVencimento`` before the creation date).
* **Retries** (``politicaRetentativa``): ``NAO_PERMITE`` none; ``PERMITE_3R_7D`` up to three new
  attempts within seven days after the due date, each on a future date
  (``POST /cobr/{txid}/retentativa/{data}``). Some rejection codes end the charge for good.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

EARLIEST_DAYS_BEFORE = 10
LATEST_DAYS_BEFORE = 2
MAX_RETRIES = 3
RETRY_WINDOW_DAYS = 7


class RecurrenceStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Canceller(StrEnum):
    """Who ended an approved (or still requested) authorisation."""

    PAYER = "payer"
    PAYER_BANK = "payer_bank"
    CREDITOR = "creditor"
    CREDITOR_BANK = "creditor_bank"


class RetryPolicy(StrEnum):
    NONE = "NAO_PERMITE"
    THREE_IN_SEVEN_DAYS = "PERMITE_3R_7D"


class ChargeOutcome(StrEnum):
    """Where one installment's ``cobr`` stands."""

    PENDING = "pending"  # created, or an attempt requested or scheduled at the payer's bank
    COLLECTED = "collected"
    FAILED = "failed"  # the last attempt failed; another may be asked for (policy permitting)
    ENDED = "ended"  # cancelled, rejected or expired: nothing more will be collected by it


SPEC_STATUS = {
    "CRIADA": RecurrenceStatus.REQUESTED,
    "APROVADA": RecurrenceStatus.APPROVED,
    "REJEITADA": RecurrenceStatus.REJECTED,
    "EXPIRADA": RecurrenceStatus.EXPIRED,
    "CANCELADA": RecurrenceStatus.CANCELLED,
}
SPEC_CANCELLER = {
    "USUARIO_PAGADOR": Canceller.PAYER,
    "PSP_PAGADOR": Canceller.PAYER_BANK,
    "USUARIO_RECEBEDOR": Canceller.CREDITOR,
    "PSP_RECEBEDOR": Canceller.CREDITOR_BANK,
}
# Rejection codes of an attempt that reject the whole cobr (spec, ``CobRTentativas``).
FINAL_REJECTIONS = frozenset(
    {"AC05", "AM09", "DENC", "DS27", "DTED", "MIDI", "MSUC", "NITX", "RC09"}
)

_NEXT: dict[RecurrenceStatus, frozenset[RecurrenceStatus]] = {
    RecurrenceStatus.REQUESTED: frozenset(
        {
            RecurrenceStatus.APPROVED,
            RecurrenceStatus.REJECTED,
            RecurrenceStatus.EXPIRED,
            RecurrenceStatus.CANCELLED,
        }
    ),
    RecurrenceStatus.APPROVED: frozenset({RecurrenceStatus.CANCELLED}),
}
LIVE = frozenset({RecurrenceStatus.REQUESTED, RecurrenceStatus.APPROVED})


class InvalidTransition(ValueError):
    def __init__(self, current: RecurrenceStatus, target: RecurrenceStatus) -> None:
        super().__init__(f"an authorisation cannot go from {current} to {target}")
        self.current = current
        self.target = target


def transition(current: RecurrenceStatus, target: RecurrenceStatus) -> RecurrenceStatus:
    """The status after ``target`` is reported; the same status again is a no-op (a
    redelivered notification), anything the spec does not allow raises."""
    if target == current or target in _NEXT.get(current, frozenset()):
        return target
    raise InvalidTransition(current, target)


def can_collect(status: RecurrenceStatus) -> bool:
    """Only an approved authorisation lets the company send charges."""
    return status == RecurrenceStatus.APPROVED


def collection_window(due: date) -> tuple[date, date]:
    """The first and last day a ``cobr`` for this due date may be sent."""
    return due - timedelta(days=EARLIEST_DAYS_BEFORE), due - timedelta(days=LATEST_DAYS_BEFORE)


@dataclass(frozen=True)
class DueInstallment:
    number: int
    due_date: date
    open_cents: int
    has_charge: bool  # a cobr was already sent for it under this authorisation


def to_charge(installments: Iterable[DueInstallment], today: date) -> list[DueInstallment]:
    """The installments whose ``cobr`` must be sent today: still owed, without a live charge,
    and inside their window. One missed (the authorisation came too late) is left to the
    debtor to pay by Pix as usual."""
    found = []
    for installment in installments:
        first, last = collection_window(installment.due_date)
        owed = installment.open_cents > 0 and not installment.has_charge
        if owed and first <= today <= last:
            found.append(installment)
    return sorted(found, key=lambda i: i.number)


def next_retry(
    policy: RetryPolicy, due: date, retries_done: int, today: date, rejection: str | None = None
) -> date | None:
    """The date to ask the payer's bank to try again after a failed attempt, or ``None``."""
    if policy == RetryPolicy.NONE or retries_done >= MAX_RETRIES:
        return None
    if rejection in FINAL_REJECTIONS:
        return None
    candidate = max(today, due) + timedelta(days=1)
    if candidate > due + timedelta(days=RETRY_WINDOW_DAYS):
        return None
    return candidate


def charge_outcome(status: str, attempts: Sequence[str]) -> ChargeOutcome:
    """A ``cobr``'s status and its attempts' statuses (oldest first), in our terms."""
    if status == "CONCLUIDA" or "PAGA" in attempts:
        return ChargeOutcome.COLLECTED
    if status in ("CANCELADA", "REJEITADA", "EXPIRADA"):
        return ChargeOutcome.ENDED
    if attempts and attempts[-1] in ("REJEITADA", "EXPIRADA", "CANCELADA"):
        return ChargeOutcome.FAILED
    return ChargeOutcome.PENDING
