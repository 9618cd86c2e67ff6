from datetime import date

import pytest

from portal.domain.calendar import anbima_calendar
from portal.domain.disputes import (
    MAX_ATTACHMENT_BYTES,
    AttachmentProblem,
    AttachmentRefused,
    DisputeOutcome,
    DisputeStatus,
    answer_deadline,
    attachment_type,
    is_overdue,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PDF, ("application/pdf", "pdf")), (JPEG, ("image/jpeg", "jpg")), (PNG, ("image/png", "png"))],
)
def test_attachment_type_reads_the_content(data: bytes, expected: tuple[str, str]) -> None:
    assert attachment_type(data) == expected


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", AttachmentProblem.EMPTY),
        (b"MZ\x90\x00" + b"\x00" * 60, AttachmentProblem.WRONG_TYPE),  # a Windows .exe
        (b"GIF89a" + b"\x00" * 10, AttachmentProblem.WRONG_TYPE),
        (b" %PDF-1.7", AttachmentProblem.WRONG_TYPE),  # the signature must come first
        (PDF + b"\x00" * MAX_ATTACHMENT_BYTES, AttachmentProblem.TOO_LARGE),
    ],
)
def test_attachment_type_refuses(data: bytes, problem: AttachmentProblem) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        attachment_type(data)
    assert refused.value.problem is problem


def test_exactly_five_megabytes_is_accepted() -> None:
    data = PDF + b"\x00" * (MAX_ATTACHMENT_BYTES - len(PDF))
    assert len(data) == 5 * 1024 * 1024
    assert attachment_type(data)[0] == "application/pdf"


def test_the_answer_deadline_is_ten_business_days() -> None:
    # Opened Monday 21 Dec 2026: Christmas and New Year's Day are not counted.
    assert answer_deadline(date(2026, 12, 21), anbima_calendar()) == date(2027, 1, 6)


def test_overdue_only_after_the_deadline() -> None:
    due = date(2026, 12, 18)
    assert not is_overdue(due, date(2026, 12, 18))
    assert is_overdue(due, date(2026, 12, 19))


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (DisputeOutcome.CANCELLED, DisputeStatus.UPHELD),
        (DisputeOutcome.ADJUSTED, DisputeStatus.UPHELD),
        (DisputeOutcome.REJECTED, DisputeStatus.REJECTED),
    ],
)
def test_an_outcome_decides_the_case_status(outcome: DisputeOutcome, status: DisputeStatus) -> None:
    assert outcome.status is status
