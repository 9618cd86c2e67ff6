"""Correction requests (LGPD art. 18 III) and their answers, with the 15-day deadline.

A request is made by the debtor for one proved company and answered by that company's staff;
each step is written with its audit record and the company's webhook
(``data_request.created`` / ``data_request.completed``), which leaves after the commit; the
answer also sends the debtor an e-mail (to that company's contact) saying it is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.clock import BRASILIA
from portal.core.context import Actor
from portal.models import (
    Creditor,
    CreditorDebtor,
    DataRequest,
    DataRequestField,
    DataRequestKind,
    DataRequestStatus,
    Debtor,
    StaffUser,
)
from portal.models.privacy import DEADLINE_DAYS, MAX_REQUEST_TEXT
from portal.services.integration import emit
from portal.services.notify import queue_email


class RequestError(ValueError):
    """The request or its answer cannot be recorded as given (says why, for the form)."""


def due_on(created_at: datetime) -> date:
    """The legal deadline: 15 calendar days after the request, Brasília's calendar."""
    return created_at.astimezone(BRASILIA).date() + timedelta(days=DEADLINE_DAYS)


def is_overdue(request: DataRequest, today: date) -> bool:
    return request.status == DataRequestStatus.OPEN.value and today > request.due_on


def _payload(request: DataRequest, debtor: Debtor) -> dict[str, Any]:
    return {
        "data_request": {
            "id": request.id,
            "kind": request.kind,
            "field": request.field,
            "details": request.details,
            "status": request.status,
            "created_at": request.created_at.isoformat(),
            "due_on": request.due_on.isoformat(),
            "answer": request.answer,
            "answered_at": request.answered_at.isoformat() if request.answered_at else None,
            "debtor": {"id": debtor.id, "document_masked": debtor.document_masked},
        }
    }


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RequestError("empty")
    if len(text) > MAX_REQUEST_TEXT:
        raise RequestError("too_long")
    return text


def request_correction(
    session: DbSession,
    creditor: Creditor,
    debtor: Debtor,
    field: DataRequestField,
    details: str,
    *,
    actor: Actor,
    now: datetime,
) -> DataRequest:
    """Record the debtor's correction request to ``creditor`` (a proved company)."""
    request = DataRequest(
        creditor_id=creditor.id,
        debtor_id=debtor.id,
        kind=DataRequestKind.CORRECTION.value,
        field=field.value,
        details=_clean(details),
        status=DataRequestStatus.OPEN.value,
        created_at=now,
        due_on=due_on(now),
    )
    session.add(request)
    session.flush()
    record_event(
        session,
        actor,
        "data_request.created",
        subject=("data_request", request.id),
        creditor_id=creditor.id,
        details={
            "kind": request.kind,
            "field": request.field,
            "due_on": request.due_on.isoformat(),
        },
    )
    emit(session, creditor.id, "data_request.created", _payload(request, debtor))
    return request


def complete_request(
    session: DbSession,
    request: DataRequest,
    answer: str,
    *,
    staff: StaffUser,
    actor: Actor,
    now: datetime,
) -> bool:
    """Conclude an open request with the answer the debtor will read; False if already done.

    The row is locked first, so two staff concluding at once record one answer."""
    locked = session.scalar(
        sa.select(DataRequest).where(DataRequest.id == request.id).with_for_update()
    )
    if locked is None or locked.status != DataRequestStatus.OPEN.value:
        return False
    session.refresh(locked)
    if locked.status != DataRequestStatus.OPEN.value:
        return False
    locked.answer = _clean(answer)
    locked.status = DataRequestStatus.DONE.value
    locked.answered_at = now
    locked.answered_by_id = staff.id
    session.flush()
    late = now.astimezone(BRASILIA).date() > locked.due_on
    record_event(
        session,
        actor,
        "data_request.completed",
        subject=("data_request", locked.id),
        creditor_id=locked.creditor_id,
        details={"kind": locked.kind, "field": locked.field, "late": late},
    )
    debtor = session.get_one(Debtor, locked.debtor_id)
    emit(session, locked.creditor_id, "data_request.completed", _payload(locked, debtor))
    contact = session.get(CreditorDebtor, (locked.creditor_id, locked.debtor_id))
    if contact is not None and contact.email:
        queue_email(
            session,
            to=contact.email,
            template="data_request_answered",
            context={
                "first_name": contact.first_name,
                "creditor": contact.creditor.legal_name,
                "requested_on": locked.created_at.astimezone(BRASILIA).date().isoformat(),
            },
        )
    return True


def debtor_requests(session: DbSession, debtor_id: int, creditor_id: int) -> list[DataRequest]:
    return list(
        session.scalars(
            sa.select(DataRequest)
            .where(DataRequest.debtor_id == debtor_id, DataRequest.creditor_id == creditor_id)
            .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
        )
    )


@dataclass(frozen=True)
class QueueRow:
    request: DataRequest
    overdue: bool
    days_left: int


def staff_queue(
    session: DbSession, creditor_ids: list[int] | None, status: DataRequestStatus, today: date
) -> list[QueueRow]:
    """Requests of the staff member's companies (None: all), the nearest deadline first."""
    statement = sa.select(DataRequest).where(DataRequest.status == status.value)
    if creditor_ids is not None:
        statement = statement.where(DataRequest.creditor_id.in_(creditor_ids or [-1]))
    if status is DataRequestStatus.OPEN:
        statement = statement.order_by(DataRequest.due_on, DataRequest.id)
    else:
        statement = statement.order_by(DataRequest.answered_at.desc(), DataRequest.id.desc())
    return [
        QueueRow(r, is_overdue(r, today), (r.due_on - today).days)
        for r in session.scalars(statement.limit(500))
    ]


def request_in_scope(
    session: DbSession, request_id: int, creditor_ids: list[int] | None
) -> DataRequest | None:
    request = session.get(DataRequest, request_id)
    if request is None or (creditor_ids is not None and request.creditor_id not in creditor_ids):
        return None
    return request
