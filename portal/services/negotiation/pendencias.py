"""A debtor's open pendências with their updated balances, grouped by creditor.

The arithmetic is the domain's (``portal.domain.charges``); this module loads rows, finds each
creditor's current policy and hands the domain plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.core import DbSession
from portal.domain.charges import DebtorKind, UpdatedBalance, updated_balance
from portal.domain.charges import PendingItem as DomainItem
from portal.domain.policy import NegotiationPolicy
from portal.models import Creditor, Debtor, ItemStatus, PendingItem
from portal.services.policies import NoPolicy, current_policy


def debtor_kind(debtor: Debtor) -> DebtorKind:
    return DebtorKind.CONSUMER if debtor.is_consumer else DebtorKind.BUSINESS


def domain_item(item: PendingItem) -> DomainItem:
    """The engine's view of a pending item: what is left of its principal, its due date."""
    return DomainItem(
        item_id=str(item.id),
        reference=item.external_reference,
        principal_cents=item.outstanding_principal_cents,
        due_date=item.original_due_date,
        contract_multa_pct=item.contract_multa_pct,
    )


@dataclass(frozen=True)
class ItemView:
    item: PendingItem
    balance: UpdatedBalance


@dataclass(frozen=True)
class CreditorGroup:
    creditor: Creditor
    items: list[ItemView]
    policy: NegotiationPolicy | None

    @property
    def total_cents(self) -> int:
        return sum(view.balance.total_cents for view in self.items)

    @property
    def can_negotiate(self) -> bool:
        return self.policy is not None


def item_balance(
    item: PendingItem, policy: NegotiationPolicy | None, kind: DebtorKind, today: date
) -> UpdatedBalance:
    """The item's updated balance at ``today`` under ``policy`` (none: the amount as it is)."""
    if policy is not None:
        return updated_balance(domain_item(item), policy.charges, kind, today)
    # Without a policy there are no charges to compute: show the amount as it is.
    return UpdatedBalance(
        item_id=str(item.id),
        reference=item.external_reference,
        due_date=item.original_due_date,
        as_of=today,
        days_overdue=item.days_overdue(today),
        principal_cents=item.outstanding_principal_cents,
        correction_cents=0,
        multa_pct=Decimal(0),
        multa_cents=0,
        juros_monthly_pct=Decimal(0),
        juros_cents=0,
        total_cents=item.outstanding_principal_cents,
    )


def open_items(
    session: DbSession, debtor_id: int, creditor_id: int | None = None
) -> list[PendingItem]:
    """The debtor's open items (optionally for one creditor), oldest first. Never others'."""
    statement = sa.select(PendingItem).where(
        PendingItem.debtor_id == debtor_id, PendingItem.status == ItemStatus.OPEN
    )
    if creditor_id is not None:
        statement = statement.where(PendingItem.creditor_id == creditor_id)
    return list(session.scalars(statement.order_by(PendingItem.original_due_date, PendingItem.id)))


def debtor_pendencias(
    session: DbSession, debtor: Debtor, today: date, creditor_ids: Iterable[int]
) -> list[CreditorGroup]:
    """The debtor's open items with ``creditor_ids`` (the companies the session proved, and
    never others), itemised at ``today``, grouped by creditor."""
    groups: dict[int, CreditorGroup] = {}
    kind = debtor_kind(debtor)
    wanted = set(creditor_ids)
    for item in open_items(session, debtor.id):
        if item.creditor_id not in wanted:
            continue
        group = groups.get(item.creditor_id)
        if group is None:
            try:
                policy: NegotiationPolicy | None = current_policy(session, item.creditor_id)
            except NoPolicy:
                policy = None
            group = groups[item.creditor_id] = CreditorGroup(item.creditor, [], policy)
        group.items.append(ItemView(item, item_balance(item, group.policy, kind, today)))
    return sorted(groups.values(), key=lambda g: g.creditor.display_name)
