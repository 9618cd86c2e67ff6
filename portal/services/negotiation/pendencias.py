"""A debtor's open pendências with their updated balances, grouped by creditor.

The arithmetic is the domain's (``portal.domain.charges``); this module loads rows, finds each
creditor's current policy and hands the domain plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.core import DbSession
from portal.domain.agreements import OPEN_STATES
from portal.domain.charges import DebtorKind, UpdatedBalance, updated_balance
from portal.domain.charges import PendingItem as DomainItem
from portal.domain.policy import NegotiationPolicy
from portal.models import Agreement, Creditor, Debtor, ItemStatus, PendingItem, PolicyVersion
from portal.services.negotiation.bureau import TrackedRemoval, needs_attention, tracked_removals
from portal.services.policies import policy_from_terms

_NEVER = datetime.max.replace(tzinfo=UTC)


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
    return debtor_dashboard(session, debtor, today, creditor_ids)[0]


@dataclass(frozen=True)
class DebtorHome:
    """What "Minhas pendências" shows of the companies a session proved."""

    groups: list[CreditorGroup]
    open_agreements: int
    removals: list[TrackedRemoval]


def debtor_dashboard(
    session: DbSession, debtor: Debtor, today: date, creditor_ids: Iterable[int]
) -> tuple[list[CreditorGroup], int]:
    """The debtor's pendências with ``creditor_ids`` (the companies the session proved, and
    never others) grouped by creditor, and how many of their agreements are open."""
    home = _home(session, debtor, today, creditor_ids, removals=False)
    return home.groups, home.open_agreements


def debtor_home(
    session: DbSession, debtor: Debtor, today: date, creditor_ids: Iterable[int]
) -> DebtorHome:
    """:func:`debtor_dashboard` and the removals from the bureaus that still need the
    person's attention (``bureau.debtor_removals``, oldest payment first), in one statement."""
    return _home(session, debtor, today, creditor_ids, removals=True)


def _home(
    session: DbSession, debtor: Debtor, today: date, creditor_ids: Iterable[int], *, removals: bool
) -> DebtorHome:
    """One statement: the open items (and with ``removals`` the paid ones a bureau still
    tracks) with their creditors (joined), each creditor's current policy version for the
    open ones (a correlated subquery; its terms as text, decoded once per process) and the
    count of open agreements. A second one only when there is no such item at all.
    """
    wanted = set(creditor_ids) or {-1}  # no proof, nothing: never every company
    open_agreements = (
        sa.select(sa.func.count())
        .select_from(Agreement)
        .where(
            Agreement.debtor_id == debtor.id,
            Agreement.creditor_id.in_(wanted),
            Agreement.state.in_([state.value for state in OPEN_STATES]),
        )
        .scalar_subquery()
    )
    current = (
        sa.select(PolicyVersion.id)
        .where(PolicyVersion.creditor_id == PendingItem.creditor_id)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
        .correlate(PendingItem)
        .scalar_subquery()
    )
    is_open = PendingItem.status == ItemStatus.OPEN
    rows = session.execute(
        sa.select(
            PendingItem,
            PolicyVersion.version,
            sa.cast(PolicyVersion.terms, sa.Text),
            open_agreements,
        )
        .outerjoin(PolicyVersion, sa.and_(is_open, PolicyVersion.id == current))
        .where(
            PendingItem.debtor_id == debtor.id,
            PendingItem.creditor_id.in_(wanted),
            sa.or_(is_open, needs_attention(today)) if removals else is_open,
        )
        .order_by(PendingItem.original_due_date, PendingItem.id)
    ).all()
    if not rows:
        count = int(session.scalar(sa.select(open_agreements)) or 0)
        return DebtorHome([], count, [])
    groups: dict[int, CreditorGroup] = {}
    paid: list[PendingItem] = []
    kind = debtor_kind(debtor)
    for item, version, terms, _count in rows:
        if item.status != ItemStatus.OPEN:
            paid.append(item)
            continue
        group = groups.get(item.creditor_id)
        if group is None:
            policy = (
                None if version is None else policy_from_terms(item.creditor_id, version, terms)
            )
            group = groups[item.creditor_id] = CreditorGroup(item.creditor, [], policy)
        group.items.append(ItemView(item, item_balance(item, group.policy, kind, today)))
    ordered = sorted(groups.values(), key=lambda g: g.creditor.display_name)
    # bureau.debtor_removals' order: paid_at, then id (a tracked item always has paid_at)
    paid.sort(key=lambda item: (item.paid_at or _NEVER, item.id))
    return DebtorHome(ordered, int(rows[0][3] or 0), tracked_removals(paid, today))
