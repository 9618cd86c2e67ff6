"""What support staff do to a debtor's records, each with its audit record.

Revealing the full document, writing a note, cancelling an agreement with a reason, and
marking an item disputed or resolved. Like every service these flush and never commit; the
view commits once, and e-mails leave only after that commit. Scope (which creditors the
staff member serves) is checked by the caller before any row reaches these functions.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.core import DbSession, affected
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.agreements import OPEN_STATES, Trigger
from portal.models import (
    Agreement,
    Creditor,
    Debtor,
    DebtorNote,
    ItemStatus,
    PendingItem,
    StaffUser,
)
from portal.models.note import MAX_NOTE_LENGTH

MIN_REASON_LENGTH = 5
MAX_REASON_LENGTH = 300


class StaffActionError(Exception):
    """The action is refused as the records stand; ``reason`` is a code the page explains:
    ``note_length``, ``reason_length``, ``not_open``, ``in_agreement``, ``not_disputed``,
    ``has_case``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reveal_document(session: DbSession, debtor: Debtor, *, actor: Actor) -> str:
    """The full CPF/CNPJ, for one response only; the audit record keeps only the mask."""
    record_event(
        session,
        actor,
        "debtor.document_revealed",
        subject=("debtor", debtor.id),
        details={"document": debtor.document_masked},
    )
    return debtor.document


def add_note(
    session: DbSession,
    debtor: Debtor,
    creditor: Creditor,
    author: StaffUser,
    text: str,
    *,
    actor: Actor,
    now: datetime,
) -> DebtorNote:
    """Append a note (1 to 2000 characters). The audit record holds its length, not its text."""
    text = text.strip()
    if not 1 <= len(text) <= MAX_NOTE_LENGTH:
        raise StaffActionError("note_length")
    note = DebtorNote(
        debtor_id=debtor.id,
        creditor_id=creditor.id,
        author_id=author.id,
        text=text,
        created_at=now,
    )
    session.add(note)
    session.flush()
    record_event(
        session,
        actor,
        "debtor.note_added",
        subject=("debtor", debtor.id),
        creditor_id=creditor.id,
        details={"note_id": note.id, "length": len(text)},
    )
    return note


def normalise_reason(reason: str) -> str:
    return " ".join(reason.split())


def cancel_agreement_by_staff(
    session: DbSession, agreement_id: int, reason: str, *, actor: Actor, now: datetime
) -> Agreement:
    """Cancel an open agreement for ``reason`` (5 to 300 characters).

    The items reopen; what was already paid is credited to them as on a break (in
    proportion to their balances at acceptance). The audit record (``agreement.cancelled``
    with the reason), the integration event and the debtor's e-mail (after commit) come
    from :func:`portal.services.negotiation.agreements.apply_trigger`.
    """
    from portal.services.negotiation import apply_trigger

    reason = normalise_reason(reason)
    if not MIN_REASON_LENGTH <= len(reason) <= MAX_REASON_LENGTH:
        raise StaffActionError("reason_length")
    agreement = session.scalar(
        sa.select(Agreement)
        .where(Agreement.id == agreement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if agreement is None or agreement.lifecycle_state not in OPEN_STATES:
        raise StaffActionError("not_open")
    apply_trigger(
        session, agreement, Trigger.CANCELLED_BY_STAFF, actor=actor, now=now, reason=reason
    )
    return agreement


def can_staff_cancel(agreement: Agreement) -> bool:
    return agreement.lifecycle_state in OPEN_STATES


def _move_item(session: DbSession, item: PendingItem, before: str, after: str) -> bool:
    """Change the item's status only if it still is ``before`` (atomic against acceptance)."""
    moved = session.execute(
        sa.update(PendingItem)
        .where(PendingItem.id == item.id, PendingItem.status == before)
        .values(status=after)
        .execution_options(synchronize_session=False)
    )
    session.refresh(item)
    return affected(moved) == 1


def dispute_item(session: DbSession, item: PendingItem, *, actor: Actor) -> None:
    """Mark an open item disputed: it leaves negotiation until resolved.

    An item inside an open agreement cannot be disputed (``in_agreement``): the agreement
    must be cancelled first. The company's integration hears of it (``item.disputed``).
    """
    from portal.services.integration import emit

    if item.status == ItemStatus.IN_AGREEMENT:
        raise StaffActionError("in_agreement")
    if not _move_item(session, item, ItemStatus.OPEN.value, ItemStatus.DISPUTED.value):
        raise StaffActionError("in_agreement" if item.status == "in_agreement" else "not_open")
    record_event(
        session,
        actor,
        "item.disputed",
        subject=("pending_item", item.id),
        creditor_id=item.creditor_id,
        details={"debtor_id": item.debtor_id},
    )
    emit(
        session,
        item.creditor_id,
        "item.disputed",
        {
            "item": {
                "external_reference": item.external_reference,
                "status": item.status,
                "debtor": {"document_masked": item.debtor.document_masked},
            }
        },
    )


def resolve_item(session: DbSession, item: PendingItem, *, actor: Actor) -> None:
    """The dispute is over: the item is open again, and can be negotiated.

    A dispute the debtor opened (a case) is answered through its case page instead
    (``has_case``): the debtor is owed the answer.
    """
    from portal.services.disputes import open_dispute_ids

    if open_dispute_ids(session, [item.id]):
        raise StaffActionError("has_case")
    if not _move_item(session, item, ItemStatus.DISPUTED.value, ItemStatus.OPEN.value):
        raise StaffActionError("not_disputed")
    record_event(
        session,
        actor,
        "item.resolved",
        subject=("pending_item", item.id),
        creditor_id=item.creditor_id,
        details={"debtor_id": item.debtor_id},
    )
