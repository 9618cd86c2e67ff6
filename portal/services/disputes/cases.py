"""A debtor's dispute of one pendência and the company's answer, each in the caller's unit
of work with its audit record and the company's webhook (sent after commit).

Opening moves the item from ``open`` to ``disputed`` in one conditional UPDATE, so a dispute
and an acceptance of the same item cannot both win: a disputed item is out of every
simulation, offer, acceptance and régua run (they only take open items). Resolving moves
it on: ``cancelled`` (the debtor was right), ``adjusted`` (open again with the amount the
company corrected), ``rejected`` (open again, back to negotiation). The debtor's e-mail
about the answer leaves after the commit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.core import DbSession, affected
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.calendar import anbima_calendar
from portal.domain.disputes import (
    MAX_ANSWER_LENGTH,
    MAX_DETAILS_LENGTH,
    MIN_ANSWER_LENGTH,
    DisputeOutcome,
    DisputeReason,
    DisputeStatus,
    answer_deadline,
    attachment_type,
)
from portal.models import CreditorDebtor, ItemDispute, ItemStatus, PendingItem, StaffUser
from portal.services.integration import emit
from portal.services.notify import queue_notice


class DisputeError(Exception):
    """Refused as the records stand; ``reason`` is a code the page explains:
    ``not_open`` (the item is no longer open), ``details_length``, ``answer_length``,
    ``amount`` (an adjusted amount that is not below the current one and above what was
    already credited), ``closed`` (the case was already answered)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _move(session: DbSession, item: PendingItem, before: str, after: str) -> bool:
    moved = session.execute(
        sa.update(PendingItem)
        .where(PendingItem.id == item.id, PendingItem.status == before)
        .values(status=after)
        .execution_options(synchronize_session=False)
    )
    session.refresh(item)
    return affected(moved) == 1


def _item_payload(item: PendingItem) -> dict[str, Any]:
    return {
        "external_reference": item.external_reference,
        "status": item.status,
        "original_amount_cents": item.original_amount_cents,
        "debtor": {"document_masked": item.debtor.document_masked},
    }


def dispute_payload(dispute: ItemDispute) -> dict[str, Any]:
    """What the company's systems hear about a case (``item.disputed`` and
    ``item.dispute_resolved``): never the attachment itself, only whether there is one."""
    return {
        "id": dispute.id,
        "reason": dispute.reason,
        "details": dispute.details,
        "status": dispute.status,
        "opened_at": dispute.opened_at.isoformat(),
        "answer_due_on": dispute.due_on.isoformat(),
        "has_attachment": dispute.attachment_size is not None,
        "outcome": dispute.outcome,
        "answer": dispute.answer,
        "resolved_at": dispute.resolved_at.isoformat() if dispute.resolved_at else None,
    }


def open_dispute(
    session: DbSession,
    item: PendingItem,
    reason: DisputeReason,
    details: str,
    *,
    attachment: bytes | None,
    actor: Actor,
    now: datetime,
    today: date,
) -> ItemDispute:
    """The debtor does not recognise ``item``: it leaves negotiation and the régua at once
    and the company has until the 10th business day to answer.

    ``attachment`` (optional) must be a PDF, JPEG or PNG of at most 5 MB by its content
    (:class:`portal.domain.disputes.AttachmentRefused` otherwise). Raises
    :class:`DisputeError` ``details_length`` or ``not_open``.
    """
    details = details.strip()
    if len(details) > MAX_DETAILS_LENGTH:
        raise DisputeError("details_length")
    media_type = attachment_type(attachment)[0] if attachment is not None else None
    if not _move(session, item, ItemStatus.OPEN.value, ItemStatus.DISPUTED.value):
        raise DisputeError("not_open")
    dispute = ItemDispute(
        pending_item_id=item.id,
        creditor_id=item.creditor_id,
        debtor_id=item.debtor_id,
        reason=reason.value,
        details=details,
        status=DisputeStatus.OPEN.value,
        opened_at=now,
        due_on=answer_deadline(today, anbima_calendar()),
        attachment_type=media_type,
        attachment_size=len(attachment) if attachment is not None else None,
        attachment=attachment,
    )
    session.add(dispute)
    session.flush()
    record_event(
        session,
        actor,
        "item.disputed",
        subject=("pending_item", item.id),
        creditor_id=item.creditor_id,
        details={
            "debtor_id": item.debtor_id,
            "dispute_id": dispute.id,
            "reason": dispute.reason,
            "has_attachment": attachment is not None,
            "answer_due_on": dispute.due_on.isoformat(),
        },
    )
    emit(
        session,
        item.creditor_id,
        "item.disputed",
        {"item": _item_payload(item), "dispute": dispute_payload(dispute)},
    )
    return dispute


def resolve_dispute(
    session: DbSession,
    dispute: ItemDispute,
    outcome: DisputeOutcome,
    answer: str,
    *,
    staff: StaffUser,
    actor: Actor,
    now: datetime,
    adjusted_amount_cents: int | None = None,
) -> ItemDispute:
    """The company answers. ``cancelled``: the item is cancelled; ``adjusted``: its amount
    becomes ``adjusted_amount_cents`` and it is open again; ``rejected``: open again as it
    was. The debtor sees the answer on the portal and gets it by e-mail after commit.

    Raises :class:`DisputeError` ``answer_length``, ``amount`` or ``closed``.
    """
    answer = " ".join(answer.split())
    if not MIN_ANSWER_LENGTH <= len(answer) <= MAX_ANSWER_LENGTH:
        raise DisputeError("answer_length")
    item = dispute.item
    if outcome is DisputeOutcome.ADJUSTED and (
        adjusted_amount_cents is None
        or not item.credited_cents < adjusted_amount_cents < item.original_amount_cents
    ):
        raise DisputeError("amount")
    closed = session.execute(
        sa.update(ItemDispute)
        .where(ItemDispute.id == dispute.id, ItemDispute.status == DisputeStatus.OPEN)
        .values(
            status=outcome.status.value,
            outcome=outcome.value,
            answer=answer,
            resolved_at=now,
            resolved_by_id=staff.id,
        )
        .execution_options(synchronize_session=False)
    )
    if affected(closed) != 1:
        session.refresh(dispute)
        raise DisputeError("closed")
    session.refresh(dispute)
    after = ItemStatus.CANCELLED if outcome is DisputeOutcome.CANCELLED else ItemStatus.OPEN
    if not _move(session, item, ItemStatus.DISPUTED.value, after.value):
        raise DisputeError("closed")  # someone moved the item meanwhile: roll back
    details: dict[str, Any] = {
        "debtor_id": item.debtor_id,
        "dispute_id": dispute.id,
        "outcome": outcome.value,
        "answer_length": len(answer),
    }
    if outcome is DisputeOutcome.ADJUSTED:
        assert adjusted_amount_cents is not None  # noqa: S101 (checked above)
        dispute.previous_amount_cents = item.original_amount_cents
        dispute.adjusted_amount_cents = adjusted_amount_cents
        item.original_amount_cents = adjusted_amount_cents
        details |= {
            "previous_amount_cents": dispute.previous_amount_cents,
            "adjusted_amount_cents": adjusted_amount_cents,
        }
    session.flush()
    record_event(
        session,
        actor,
        "item.dispute_resolved",
        subject=("pending_item", item.id),
        creditor_id=item.creditor_id,
        details=details,
    )
    emit(
        session,
        item.creditor_id,
        "item.dispute_resolved",
        {"item": _item_payload(item), "dispute": dispute_payload(dispute)},
    )
    _tell_debtor(session, dispute)
    return dispute


def _tell_debtor(session: DbSession, dispute: ItemDispute) -> None:
    """The answer by e-mail to the contact this company has (after commit), if any."""
    contact = session.get(CreditorDebtor, (dispute.creditor_id, dispute.debtor_id))
    if contact is None or not contact.email:
        return
    item = dispute.item
    with force_locale("pt_BR"):
        verdict = {
            DisputeOutcome.CANCELLED: _("A empresa deu razão a você e cancelou a pendência."),
            DisputeOutcome.ADJUSTED: _("A empresa deu razão a você e corrigiu o valor."),
            DisputeOutcome.REJECTED: _(
                "A empresa manteve a pendência. Ela volta a poder ser negociada."
            ),
        }[DisputeOutcome(dispute.outcome or "")]
        queue_notice(
            session,
            to=contact.email,
            subject=_("Sua contestação foi respondida"),
            title=_("Olá, %(name)s", name=contact.first_name),
            paragraphs=[
                _(
                    "%(creditor)s respondeu à sua contestação da pendência %(ref)s.",
                    creditor=dispute.creditor.legal_name,
                    ref=item.external_reference,
                ),
                verdict,
                _("Resposta da empresa: %(answer)s", answer=dispute.answer or ""),
            ],
            action_url=f"{current_app.config['BASE_URL'].rstrip('/')}/contestacoes/{dispute.id}",
            action_label=_("Ver a resposta"),
        )
