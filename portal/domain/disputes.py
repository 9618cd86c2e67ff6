"""Disputes ("não reconheço esta pendência") and delay reasons ("motivo do atraso").

The short lists a debtor chooses from, the company's answer deadline (10 business days),
and what an attachment is, read from its first bytes (magic numbers), never from its name
or the type the browser claims: only PDF, JPEG and PNG up to 5 MB are kept.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from portal.domain.calendar import BankCalendar

ANSWER_BUSINESS_DAYS = 10
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_DETAILS_LENGTH = 1000
MIN_ANSWER_LENGTH = 5
MAX_ANSWER_LENGTH = 1000


class DisputeReason(StrEnum):
    NOT_MINE = "not_mine"  # não contratei / não é minha
    ALREADY_PAID = "already_paid"
    WRONG_AMOUNT = "wrong_amount"
    CANCELLED_SERVICE = "cancelled_service"  # cancelei o produto ou serviço
    FRAUD = "fraud"  # fui vítima de fraude
    OTHER = "other"


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the debtor was right: the item was cancelled or its amount adjusted
    REJECTED = "rejected"  # the item stands and goes back to negotiation


class DisputeOutcome(StrEnum):
    CANCELLED = "cancelled"
    ADJUSTED = "adjusted"
    REJECTED = "rejected"

    @property
    def status(self) -> DisputeStatus:
        return DisputeStatus.REJECTED if self is DisputeOutcome.REJECTED else DisputeStatus.UPHELD


class DelayReason(StrEnum):
    UNEMPLOYMENT = "unemployment"
    ILLNESS = "illness"
    INCOME_DROP = "income_drop"
    FORGOT = "forgot"
    OTHER = "other"


class AttachmentProblem(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"


class AttachmentRefused(ValueError):
    """The file is not kept; ``problem`` says why."""

    def __init__(self, problem: AttachmentProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


# (first bytes, media type, file extension)
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def attachment_type(data: bytes) -> tuple[str, str]:
    """The media type and extension of an acceptable attachment, from its content.

    Raises :class:`AttachmentRefused`: ``EMPTY`` for no bytes, ``TOO_LARGE`` above 5 MB,
    ``WRONG_TYPE`` for anything that does not start like a PDF, JPEG or PNG.
    """
    if not data:
        raise AttachmentRefused(AttachmentProblem.EMPTY)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(AttachmentProblem.TOO_LARGE)
    for magic, media_type, extension in _SIGNATURES:
        if data.startswith(magic):
            return media_type, extension
    raise AttachmentRefused(AttachmentProblem.WRONG_TYPE)


def answer_deadline(opened_on: date, calendar: BankCalendar) -> date:
    """The company answers by the 10th business day after the dispute was opened."""
    return calendar.add_business_days(opened_on, ANSWER_BUSINESS_DAYS)


def is_overdue(due_on: date, today: date) -> bool:
    """An open case is overdue the day after its deadline."""
    return today > due_on
