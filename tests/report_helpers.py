"""Builders for the KPI and segment tests: rows written as the services write them, with
the dates a test needs (agreements, installments, payments, links, audit events)."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from portal.core.tokens import new_reminder_token, token_hash
from portal.extensions import db
from portal.models import (
    AccessLink,
    Agreement,
    AgreementItem,
    AuditEvent,
    Creditor,
    Debtor,
    Installment,
    LinkPurpose,
    Payment,
    PendingItem,
)
from tests.agreement_factories import creditor_policy
from tests.factories import create_pending_item

LOADED_AT = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
_seq = itertools.count(1)


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def item(
    creditor: Creditor, debtor: Debtor, cents: int, due: date, **overrides: Any
) -> PendingItem:
    values: dict[str, Any] = {"created_at": LOADED_AT}
    values.update(overrides)
    return create_pending_item(
        creditor=creditor,
        debtor=debtor,
        original_amount_cents=cents,
        original_due_date=due,
        **values,
    )


def agreement(
    creditor: Creditor,
    debtor: Debtor,
    state: str,
    created_at: datetime,
    changed_at: datetime | None = None,
    *,
    total_cents: int = 100_000,
    items: tuple[PendingItem, ...] = (),
) -> Agreement:
    row = Agreement(
        debtor_id=debtor.id,
        creditor_id=creditor.id,
        policy_version_id=creditor_policy(creditor).id,
        acceptance_key=secrets.token_hex(16),
        verification_code=f"T{next(_seq):09d}",
        state=state,
        payment_count=1,
        total_cents=total_cents,
        down_payment_cents=total_cents,
        created_at=created_at,
        state_changed_at=changed_at or created_at,
    )
    db.session.add(row)
    db.session.flush()
    db.session.add(
        Installment(
            agreement_id=row.id, number=0, due_date=created_at.date(), amount_cents=total_cents
        )
    )
    for covered in items:
        db.session.add(
            AgreementItem(
                agreement_id=row.id,
                pending_item_id=covered.id,
                balance_cents=covered.original_amount_cents,
            )
        )
    db.session.flush()
    db.session.refresh(row)
    return row


def payment(
    row: Agreement,
    method: str,
    applied: int,
    succeeded_at: datetime,
    *,
    excess: int = 0,
    refunded: int = 0,
) -> Payment:
    n = next(_seq)
    paid = Payment(
        installment_id=row.installments[0].id,
        agreement_id=row.id,
        provider="sandbox",
        method=method,
        attempt=n,
        idempotency_key=f"test-payment-{n}",
        status="succeeded",
        amount_cents=applied + excess,
        amount_received_cents=applied + excess,
        applied_cents=applied,
        excess_cents=excess,
        refunded_cents=refunded,
        succeeded_at=succeeded_at,
    )
    db.session.add(paid)
    db.session.flush()
    return paid


def link(creditor: Creditor, debtor: Debtor, created_at: datetime, days: int = 30) -> AccessLink:
    row = AccessLink(
        token_hash=token_hash(new_reminder_token()),
        purpose=LinkPurpose.REMINDER,
        channel="sms",
        debtor_id=debtor.id,
        creditor_id=creditor.id,
        issued_by_type="staff",
        created_at=created_at,
        expires_at=created_at + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    return row


def opened(access_link: AccessLink, at: datetime) -> AuditEvent:
    """What the reminder-link page records when it is shown (``link.opened``)."""
    event = AuditEvent(
        occurred_at=at,
        actor_type="debtor",
        action="link.opened",
        subject_type="access_link",
        subject_id=str(access_link.id),
        creditor_id=access_link.creditor_id,
        details={"debtor_id": access_link.debtor_id},
    )
    db.session.add(event)
    db.session.flush()
    return event
