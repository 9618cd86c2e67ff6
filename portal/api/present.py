"""Rows → response bodies. Nothing here exposes a full CPF or another creditor's data."""

from __future__ import annotations

from portal.api import schemas
from portal.core.clock import today_br
from portal.models import Agreement, CreditorDebtor, Payment, PendingItem, WebhookEndpoint
from portal.services.negotiation import removal_of


def debtor(contact: CreditorDebtor, outcome: str | None = None) -> schemas.DebtorOut:
    """The debtor as the caller's company knows them: its own relationship, nothing else."""
    row = contact.debtor
    return schemas.DebtorOut(
        id=row.id,
        document_type=row.document_type,  # type: ignore[arg-type]
        document_masked=row.document_masked,
        name=contact.name,
        has_email=bool(contact.email),
        has_phone=bool(contact.phone),
        outcome=outcome,  # type: ignore[arg-type]
    )


def item(row: PendingItem) -> schemas.ItemOut:
    removal = removal_of(row, today_br())
    return schemas.ItemOut(
        id=row.id,
        external_reference=row.external_reference,
        debtor_id=row.debtor_id,
        description=row.description,
        amount_cents=row.original_amount_cents,
        due_date=row.original_due_date,
        status=row.status,  # type: ignore[arg-type]
        bureau_reported=row.bureau_reported,
        paid_at=row.paid_at,
        bureau_removal=None
        if removal is None
        else schemas.BureauRemovalOut(
            paid_on=removal.paid_on,
            deadline=removal.deadline,
            state=removal.state.value,  # type: ignore[arg-type]
            removed_on=removal.confirmed_on,
            days_late=removal.days_late,
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def agreement(row: Agreement) -> schemas.AgreementOut:
    evidence = row.evidence
    return schemas.AgreementOut(
        id=row.id,
        debtor_id=row.debtor_id,
        state=row.state,
        total_cents=row.total_cents,
        down_payment_cents=row.down_payment_cents,
        discount_cents=row.discount_cents,
        payment_count=row.payment_count,
        items=sorted(link.pending_item.external_reference for link in row.items),
        installments=[
            schemas.InstallmentOut(
                number=i.number,
                due_date=i.due_date,
                amount_cents=i.amount_cents,
                paid_cents=i.paid_cents,
                discount_cents=i.discount_cents,
                status=i.status,  # type: ignore[arg-type]
                paid_at=i.paid_at,
            )
            for i in row.installments
        ],
        offer_digest=getattr(evidence, "offer_digest", None) if evidence else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def payment(row: Payment) -> schemas.PaymentOut:
    return schemas.PaymentOut(
        id=row.id,
        agreement_id=row.agreement_id,
        installment_number=row.installment.number,
        kind=row.kind,  # type: ignore[arg-type]
        installment_numbers=row.installment_numbers,
        method=row.method,  # type: ignore[arg-type]
        status=row.status,
        amount_cents=row.amount_cents,
        discount_cents=row.discount_cents,
        applied_cents=row.applied_cents,
        refunded_cents=row.refunded_cents,
        succeeded_at=row.succeeded_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def endpoint(row: WebhookEndpoint, *, secret: str | None = None) -> schemas.WebhookEndpointOut:
    return schemas.WebhookEndpointOut(
        id=row.id,
        url=row.url,
        description=row.description,
        event_types=list(row.event_types),
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
        secret=secret,
    )
