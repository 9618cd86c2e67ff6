"""What companies push: debtors upserted by document, pending items by external reference.

Shared by the JSON API and the CSV import. Records arrive already checked by
``portal.domain.records``; here they meet the database, in batches (one query for the
debtors, one for the items of a batch), and the caller commits.

Rules a company can rely on:

* A person is one row per CPF/CNPJ (``debtors``, holding nothing a company sends), *known* to
  a creditor only once that creditor pushed them: its relationship (``creditor_debtors``)
  carries the name, e-mail, phone and birth date **it** sent. A company writes and reads only
  its own relationship; nothing it sends is shown to, or changes what is seen by, another
  company, and whether another company knows the person is never told (docs/api.md).
* An item is identified by ``(creditor, external_reference)``. Sending the same values again
  changes nothing (``unchanged``), so importing a file twice is harmless. An open item may be
  corrected; an item in an agreement, paid or cancelled keeps its values (``item_locked``).
* Marking an item paid or cancelled from outside is refused while it is in an agreement
  (the agreement must be cancelled first) so no debtor pays twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.domain.errors import N_, Message
from portal.domain.records import DebtorRecord, ItemRecord
from portal.models import CreditorDebtor, Debtor, ItemStatus, PendingItem


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class DebtorOutcome:
    debtor: Debtor
    contact: CreditorDebtor  # the caller's relationship: the only data it sees and changes
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    external_reference: str
    outcome: Outcome
    item: PendingItem | None = None
    error: Message | None = None


class PortfolioError(Exception):
    """A refused change to one item, with a stable code for API problem details."""

    def __init__(self, message: Message, status: int = 409) -> None:
        super().__init__(message.code)
        self.message = message
        self.status = status


def known_debtor_clause(creditor_id: int) -> sa.ColumnElement[bool]:
    """SQL: the debtor row is known to ``creditor_id`` (it has a relationship with them)."""
    return sa.exists().where(
        CreditorDebtor.creditor_id == creditor_id, CreditorDebtor.debtor_id == Debtor.id
    )


def known_debtor(session: DbSession, creditor_id: int, document: str) -> Debtor | None:
    return session.scalar(
        sa.select(Debtor).where(Debtor.document == document, known_debtor_clause(creditor_id))
    )


def upsert_debtors(
    session: DbSession, creditor_id: int, records: Sequence[DebtorRecord], *, actor: Actor
) -> dict[str, DebtorOutcome]:
    """Create or update the caller's relationships by document; the outcome per document.

    ``created`` means new *to this company* (whether or not another company knows the
    person: that is never told); the contact data goes to this company's relationship only.
    """
    by_document = {r.document: r for r in records}  # the last record of a document wins
    if not by_document:
        return {}
    debtors = {
        d.document: d
        for d in session.scalars(sa.select(Debtor).where(Debtor.document.in_(by_document)))
    }
    for document in by_document.keys() - debtors.keys():
        debtors[document] = Debtor(document=document)
        session.add(debtors[document])
    session.flush()
    contacts = {
        rel.debtor_id: rel
        for rel in session.scalars(
            sa.select(CreditorDebtor).where(
                CreditorDebtor.creditor_id == creditor_id,
                CreditorDebtor.debtor_id.in_([d.id for d in debtors.values()]),
            )
        )
    }
    results: dict[str, DebtorOutcome] = {}
    created = updated = 0
    for document, record in by_document.items():
        debtor = debtors[document]
        contact = contacts.get(debtor.id)
        if contact is None:
            contact = CreditorDebtor(
                creditor_id=creditor_id,
                debtor_id=debtor.id,
                name=record.name,
                email=record.email,
                phone=record.phone,
                birth_date=record.birth_date,
            )
            session.add(contact)
            results[document] = DebtorOutcome(debtor, contact, Outcome.CREATED)
            created += 1
            continue
        changed = _apply_contact(contact, record)
        outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
        results[document] = DebtorOutcome(debtor, contact, outcome)
        updated += int(changed)
    if created or updated:
        record_event(
            session,
            actor,
            "debtors.upserted",
            creditor_id=creditor_id,
            details={"created": created, "updated": updated, "received": len(by_document)},
        )
    session.flush()
    return results


def _apply_contact(contact: CreditorDebtor, record: DebtorRecord) -> bool:
    """The company corrects its own data: what it sends replaces what it sent before
    (a field it leaves out keeps its value)."""
    changed = False
    for field in ("name", "email", "phone", "birth_date"):
        new = getattr(record, field)
        if new is None or new == getattr(contact, field):
            continue
        setattr(contact, field, new)
        changed = True
    return changed


_LOCKED = N_("esta pendência está em um acordo, paga ou cancelada e não pode ser alterada")
_OTHER_DEBTOR = N_("esta referência já pertence a outro devedor")
_REMOVED = N_("a retirada do cadastro de inadimplentes já foi confirmada para esta pendência")
_NO_DEBTOR = N_("devedor não encontrado: envie o devedor antes das pendências")


def upsert_items(
    session: DbSession,
    creditor_id: int,
    entries: Sequence[tuple[str, ItemRecord]],
    *,
    actor: Actor,
) -> list[ItemOutcome]:
    """Create or correct items by external reference; one outcome per entry, in order.

    ``entries`` pairs a debtor document (digits) with an item record. The debtors must be
    known to the creditor already (``upsert_debtors`` first).
    """
    if not entries:
        return []
    documents = {document for document, _ in entries}
    debtors = {
        d.document: d
        for d in session.scalars(
            sa.select(Debtor).where(
                Debtor.document.in_(documents), known_debtor_clause(creditor_id)
            )
        )
    }
    references = {record.external_reference for _, record in entries}
    existing = {
        item.external_reference: item
        for item in session.scalars(
            sa.select(PendingItem).where(
                PendingItem.creditor_id == creditor_id,
                PendingItem.external_reference.in_(references),
            )
        )
    }
    outcomes: list[ItemOutcome] = []
    counts = {Outcome.CREATED: 0, Outcome.UPDATED: 0}
    for document, record in entries:
        reference = record.external_reference
        debtor = debtors.get(document)
        if debtor is None:
            outcomes.append(_error(reference, "debtor_not_found", _NO_DEBTOR))
            continue
        item = existing.get(reference)
        if item is None:
            item = PendingItem(
                creditor_id=creditor_id,
                debtor_id=debtor.id,
                external_reference=reference,
                description=record.description,
                original_amount_cents=record.amount_cents,
                original_due_date=record.due_date,
                bureau_reported=bool(record.bureau_reported),
            )
            session.add(item)
            existing[reference] = item
            outcomes.append(ItemOutcome(reference, Outcome.CREATED, item))
            counts[Outcome.CREATED] += 1
            continue
        if item.debtor_id != debtor.id:
            outcomes.append(_error(reference, "reference_of_another_debtor", _OTHER_DEBTOR))
            continue
        same = (
            item.description == record.description
            and item.original_amount_cents == record.amount_cents
            and item.original_due_date == record.due_date
        )
        flag = record.bureau_reported
        new_flag = flag is not None and flag != item.bureau_reported
        if new_flag and not flag and item.bureau_removed_on is not None:
            outcomes.append(_error(reference, "bureau_removal_confirmed", _REMOVED))
            continue
        if same and not new_flag:
            outcomes.append(ItemOutcome(reference, Outcome.UNCHANGED, item))
            continue
        if not same and item.status != ItemStatus.OPEN:
            outcomes.append(_error(reference, "item_locked", _LOCKED))
            continue
        if new_flag:
            # Whether the debt was reported is a fact, not a value of the debt: it may be
            # said at any time, even after payment (the tracker starts then).
            item.bureau_reported = bool(flag)
        item.description = record.description
        item.original_amount_cents = record.amount_cents
        item.original_due_date = record.due_date
        outcomes.append(ItemOutcome(reference, Outcome.UPDATED, item))
        counts[Outcome.UPDATED] += 1
    session.flush()
    if any(counts.values()):
        record_event(
            session,
            actor,
            "items.upserted",
            creditor_id=creditor_id,
            details={
                "created": counts[Outcome.CREATED],
                "updated": counts[Outcome.UPDATED],
                "received": len(entries),
            },
        )
    return outcomes


def _error(reference: str, code: str, key: str) -> ItemOutcome:
    return ItemOutcome(reference, Outcome.ERROR, error=Message.of(code, key))


# The refusals of an item by code, as the set-based CSV path (``csv_bulk``) reports them.
ITEM_ERRORS = {
    code: Message.of(code, key)
    for code, key in (
        ("item_locked", _LOCKED),
        ("reference_of_another_debtor", _OTHER_DEBTOR),
        ("bureau_removal_confirmed", _REMOVED),
    )
}


_SETTABLE = {ItemStatus.PAID.value, ItemStatus.CANCELLED.value}


def set_item_status(
    session: DbSession, item: PendingItem, status: str, *, actor: Actor
) -> PendingItem:
    """The company says an item was paid or cancelled outside the portal."""
    if status not in _SETTABLE:
        raise PortfolioError(
            Message.of("invalid_status", N_("situação inválida: use paid ou cancelled")), 422
        )
    if item.status == status:
        return item
    if item.status == ItemStatus.IN_AGREEMENT:
        raise PortfolioError(
            Message.of(
                "item_in_agreement",
                N_("esta pendência está em um acordo ativo: cancele o acordo antes"),
            )
        )
    if item.status not in (ItemStatus.OPEN, ItemStatus.DISPUTED):
        raise PortfolioError(Message.of("item_locked", _LOCKED))
    previous = item.status
    item.status = status
    if status == ItemStatus.PAID:
        item.paid_at = now_utc()
    record_event(
        session,
        actor,
        f"item.marked_{status}",
        subject=("pending_item", item.id),
        creditor_id=item.creditor_id,
        details={"from": previous, "reference": item.external_reference},
    )
    session.flush()
    return item


__all__ = [
    "ITEM_ERRORS",
    "DebtorOutcome",
    "ItemOutcome",
    "Outcome",
    "PortfolioError",
    "known_debtor",
    "known_debtor_clause",
    "set_item_status",
    "upsert_debtors",
    "upsert_items",
]
