"""What we hold about a person for one company (LGPD art. 19 I: the simplified form, at once).

One company at a time: the debtor's session sees only the companies it has proved, and each
company's data is its own (tenant isolation). Everything is read, nothing is written here;
the act itself (downloading) is audited by :func:`record_export`. The CPF is shown masked
(requirements F3); money in centavos; dates ISO 8601.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.payments import PaymentStatus
from portal.models import (
    Agreement,
    Creditor,
    CreditorDebtor,
    DataRequest,
    Debtor,
    Document,
    Payment,
    PendingItem,
    ReminderMessage,
    ReminderOptOut,
)
from portal.services.regua import preferences

FORMAT_VERSION = 1
FORMATS = ("json", "pdf")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _items(session: DbSession, creditor_id: int, debtor_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(PendingItem)
        .where(PendingItem.creditor_id == creditor_id, PendingItem.debtor_id == debtor_id)
        .order_by(PendingItem.original_due_date, PendingItem.id)
    )
    return [
        {
            "reference": item.external_reference,
            "description": item.description,
            "original_amount_cents": item.original_amount_cents,
            "original_due_date": _iso(item.original_due_date),
            "status": item.status,
        }
        for item in rows
    ]


def _agreements(session: DbSession, creditor_id: int, debtor_id: int) -> list[Agreement]:
    return list(
        session.scalars(
            sa.select(Agreement)
            .where(Agreement.creditor_id == creditor_id, Agreement.debtor_id == debtor_id)
            .order_by(Agreement.id)
        )
    )


def _agreement(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "state": agreement.state,
        "created_at": _iso(agreement.created_at),
        "total_cents": agreement.total_cents,
        "down_payment_cents": agreement.down_payment_cents,
        "discount_cents": agreement.discount_cents,
        "payment_count": agreement.payment_count,
        "items": [row.pending_item.external_reference for row in agreement.items],
        "installments": [
            {
                "number": inst.number,
                "due_date": _iso(inst.due_date),
                "amount_cents": inst.amount_cents,
                "paid_cents": inst.paid_cents,
                "status": inst.status,
                "paid_at": _iso(inst.paid_at),
            }
            for inst in sorted(agreement.installments, key=lambda i: i.number)
        ],
    }


def _payments(session: DbSession, agreement_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Payment)
        .where(
            Payment.agreement_id.in_(agreement_ids or [-1]),
            Payment.status.in_([PaymentStatus.SUCCEEDED.value, PaymentStatus.REFUNDED.value]),
        )
        .order_by(Payment.id)
    )
    return [
        {
            "id": p.id,
            "agreement_id": p.agreement_id,
            "method": p.method,
            "kind": p.kind,
            "amount_cents": p.applied_cents or p.amount_cents,
            "refunded_cents": p.refunded_cents,
            "status": p.status,
            "succeeded_at": _iso(p.succeeded_at),
        }
        for p in rows
    ]


def _documents(session: DbSession, agreement_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Document)
        .where(Document.agreement_id.in_(agreement_ids or [-1]))
        .order_by(Document.id)
    )
    return [
        {
            "kind": d.kind,
            "agreement_id": d.agreement_id,
            "verification_code": d.verification_code,
            "status": d.status,
            "created_at": _iso(d.created_at),
        }
        for d in rows
    ]


def _communication(session: DbSession, creditor_id: int, debtor_id: int) -> dict[str, Any]:
    states = preferences(session, debtor_id, creditor_id)
    opt_outs = session.scalars(
        sa.select(ReminderOptOut)
        .where(
            ReminderOptOut.debtor_id == debtor_id,
            sa.or_(
                ReminderOptOut.scope_creditor_id.is_(None),
                ReminderOptOut.scope_creditor_id == creditor_id,
            ),
        )
        .order_by(ReminderOptOut.id)
    )
    messages = session.scalars(
        sa.select(ReminderMessage)
        .where(
            ReminderMessage.creditor_id == creditor_id,
            ReminderMessage.debtor_id == debtor_id,
            ReminderMessage.sent_at.is_not(None),
        )
        .order_by(ReminderMessage.sent_at, ReminderMessage.id)
    )
    return {
        "preferences": {channel.value: state.value for channel, state in states.items()},
        "opt_outs": [
            {
                "channel": row.channel,
                "scope": "company" if row.scope_creditor_id is not None else "all_companies",
                "source": row.source,
                "created_at": _iso(row.created_at),
            }
            for row in opt_outs
        ],
        "reminders_sent": [
            {"channel": m.channel, "phase": m.phase, "sent_at": _iso(m.sent_at), "status": m.status}
            for m in messages
        ],
    }


def _requests(session: DbSession, creditor_id: int, debtor_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(DataRequest)
        .where(DataRequest.creditor_id == creditor_id, DataRequest.debtor_id == debtor_id)
        .order_by(DataRequest.id)
    )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "field": r.field,
            "details": r.details,
            "status": r.status,
            "created_at": _iso(r.created_at),
            "due_on": _iso(r.due_on),
            "answer": r.answer,
            "answered_at": _iso(r.answered_at),
        }
        for r in rows
    ]


def export_data(
    session: DbSession, creditor: Creditor, debtor: Debtor, *, now: datetime
) -> dict[str, Any]:
    """Everything the portal holds about ``debtor`` for ``creditor`` (JSON-serialisable)."""
    contact = session.get(CreditorDebtor, (creditor.id, debtor.id))
    agreements = _agreements(session, creditor.id, debtor.id)
    ids = [a.id for a in agreements]
    return {
        "format": "portal-de-acordos/meus-dados",
        "format_version": FORMAT_VERSION,
        "generated_at": now.isoformat(),
        "legal_basis": "LGPD (Lei 13.709/2018) arts. 18 e 19",
        "company": {"name": creditor.legal_name, "cnpj": creditor.cnpj_formatted},
        "person": {
            "document_masked": debtor.document_masked,
            "document_type": debtor.document_type,
        },
        "contact": {
            "name": contact.name if contact else None,
            "email": contact.email if contact else None,
            "phone": contact.phone if contact else None,
            "birth_date": _iso(contact.birth_date) if contact else None,
            "created_at": _iso(contact.created_at) if contact else None,
            "updated_at": _iso(contact.updated_at) if contact else None,
        },
        "pending_items": _items(session, creditor.id, debtor.id),
        "agreements": [_agreement(a) for a in agreements],
        "payments": _payments(session, ids),
        "documents": _documents(session, ids),
        "communication": _communication(session, creditor.id, debtor.id),
        "data_requests": _requests(session, creditor.id, debtor.id),
    }


def record_export(
    session: DbSession, creditor_id: int, debtor_id: int, fmt: str, *, actor: Actor
) -> None:
    """The audit record of a download (the format only: the content stays out of the log)."""
    record_event(
        session,
        actor,
        "privacy.exported",
        subject=("debtor", debtor_id),
        creditor_id=creditor_id,
        details={"format": fmt},
    )
