""" "Motivo do atraso": why a person is late, as they told one company. Recorded for that
company's segmentation and KPIs, it changes nothing else (no price, no plan, no régua)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.disputes import DelayReason
from portal.models import Creditor, CreditorDebtor, DelayReasonRecord


def record_delay_reason(
    session: DbSession,
    creditor_id: int,
    debtor_id: int,
    reason: DelayReason,
    *,
    actor: Actor,
    now: datetime,
) -> DelayReasonRecord:
    """Keep ``reason`` as the person's latest for this company (a change replaces it)."""
    row = session.get(DelayReasonRecord, (creditor_id, debtor_id))
    previous = row.reason if row is not None else None
    if row is None:
        row = DelayReasonRecord(creditor_id=creditor_id, debtor_id=debtor_id)
        session.add(row)
    row.reason = reason.value
    row.recorded_at = now
    session.flush()
    record_event(
        session,
        actor,
        "debtor.delay_reason_recorded",
        subject=("debtor", debtor_id),
        creditor_id=creditor_id,
        details={"reason": reason.value, "previous": previous},
    )
    return row


def delay_reasons_of(
    session: DbSession, debtor_id: int, creditor_ids: Iterable[int]
) -> dict[int, str]:
    """``{creditor id: reason}`` the person gave the companies in ``creditor_ids``."""
    rows = session.execute(
        sa.select(DelayReasonRecord.creditor_id, DelayReasonRecord.reason).where(
            DelayReasonRecord.debtor_id == debtor_id,
            DelayReasonRecord.creditor_id.in_(set(creditor_ids) or {-1}),
        )
    )
    return {creditor_id: reason for creditor_id, reason in rows}


def relationships_with_reasons(
    session: DbSession, debtor_id: int, creditor_ids: Iterable[int]
) -> list[tuple[CreditorDebtor, str | None]]:
    """The person's relationships with the companies in ``creditor_ids`` (and no other), by
    company name, each with the reason the person gave that company (None: none yet).

    One statement for what ``access.relationships`` and :func:`delay_reasons_of` read apart:
    a reason always belongs to a relationship (a foreign key), so the outer join loses none.
    """
    wanted = set(creditor_ids)
    if not wanted:
        return []
    rows = session.execute(
        sa.select(CreditorDebtor, DelayReasonRecord.reason)
        .join(Creditor, Creditor.id == CreditorDebtor.creditor_id)
        .outerjoin(
            DelayReasonRecord,
            sa.and_(
                DelayReasonRecord.creditor_id == CreditorDebtor.creditor_id,
                DelayReasonRecord.debtor_id == CreditorDebtor.debtor_id,
            ),
        )
        .where(CreditorDebtor.debtor_id == debtor_id, CreditorDebtor.creditor_id.in_(wanted))
        .order_by(Creditor.trade_name, Creditor.id)
    )
    return [(rel, reason) for rel, reason in rows]


def delay_reasons_by_debtor(session: DbSession, creditor_id: int) -> dict[int, str]:
    """``{debtor id: reason}`` for one company (KPIs by segment)."""
    rows = session.execute(
        sa.select(DelayReasonRecord.debtor_id, DelayReasonRecord.reason).where(
            DelayReasonRecord.creditor_id == creditor_id
        )
    )
    return {debtor_id: reason for debtor_id, reason in rows}


def count_by_reason(reasons: Iterable[str]) -> dict[str, int]:
    """Every reason of the list, in its order, with how many gave it (zeros included)."""
    counted = Counter(reasons)
    return {reason.value: counted.get(reason.value, 0) for reason in DelayReason}
