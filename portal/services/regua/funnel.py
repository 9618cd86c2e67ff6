"""Results of the régua, phase by phase: what each step and variant led to.

The cohort is the creditor's messages *sent* in the period (Brasília days); what followed is
counted whenever it happened, up to now:

* **sent** — accepted by the provider (or the SMTP relay); **delivered** — reported
  delivered (WhatsApp: delivered or read; e-mail: accepted by the relay, SMTP has no receipt);
* **link opened** / **identity confirmed** — the message's own access link (each message
  carries a fresh one) was opened (``link.opened``) / passed the identity check
  (``link.used``);
* **agreement** / **paid** — an agreement covering the message's item was accepted / a
  payment on such an agreement succeeded, credited to the *last* message about that item
  sent before it (last touch), so one agreement is never counted for two messages;
* **opt-out** — the debtor opted out from this message (a SAIR reply or its e-mail link).

Rates are against *sent*, half-up to 0.01 % (``portal.domain.kpis.percentage``).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa

from portal.core import DbSession
from portal.domain.kpis import percentage
from portal.domain.regua import PHASES, Phase
from portal.models import (
    Agreement,
    AgreementItem,
    AuditEvent,
    Payment,
    ReminderMessage,
    ReminderOptOut,
)
from portal.services.backoffice import Period

_OFFSET = re.compile(r"[+-]\d+")
STAGES: Final = ("sent", "delivered", "opened", "identified", "agreement", "paid", "opted_out")


@dataclass
class FunnelRow:
    phase: Phase
    step_key: str
    channel: str
    offset_days: int
    variant: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))

    def rate(self, stage: str) -> Decimal | None:
        return percentage(self.counts[stage], self.counts["sent"])


@dataclass(frozen=True, slots=True)
class Funnel:
    rows: list[FunnelRow]
    phases: list[FunnelRow]  # one per phase that sent something (step and variant "—")

    @property
    def total_sent(self) -> int:
        return sum(r.counts["sent"] for r in self.phases)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _last_touch(
    sends: dict[int, list[tuple[datetime, int]]], events: list[tuple[int, datetime]]
) -> set[int]:
    """Message ids credited with an event: the last message about the item before it."""
    credited = set()
    for item_id, moment in events:
        history = sends.get(item_id)
        if not history:
            continue
        index = bisect.bisect_right(history, _aware(moment), key=lambda sent: sent[0]) - 1
        if index >= 0:
            credited.add(history[index][1])
    return credited


def _offset(step_key: str) -> int:
    """``first_notice+1sms`` → 1 (the key is phase, signed offset, channel)."""
    match = _OFFSET.search(step_key)
    return int(match.group(0)) if match else 0


def regua_funnel(session: DbSession, creditor_id: int, period: Period) -> Funnel:
    messages = session.execute(
        sa.select(
            ReminderMessage.id,
            ReminderMessage.pending_item_id,
            ReminderMessage.phase,
            ReminderMessage.step_key,
            ReminderMessage.channel,
            ReminderMessage.variant,
            ReminderMessage.status,
            ReminderMessage.access_link_id,
            ReminderMessage.sent_at,
        ).where(
            ReminderMessage.creditor_id == creditor_id,
            ReminderMessage.sent_at >= period.utc_start,
            ReminderMessage.sent_at < period.utc_end,
        )
    ).all()
    if not messages:
        return Funnel([], [])
    ids = [m.id for m in messages]
    item_ids = sorted({m.pending_item_id for m in messages})
    links = {m.access_link_id: m.id for m in messages if m.access_link_id is not None}
    by_link: dict[str, set[int]] = {"link.opened": set(), "link.used": set()}
    for action, subject_id in session.execute(
        sa.select(AuditEvent.action, AuditEvent.subject_id).where(
            AuditEvent.subject_type == "access_link",
            AuditEvent.action.in_(list(by_link)),
            AuditEvent.subject_id.in_([str(link) for link in links]),
        )
    ):
        by_link[action].add(links[int(subject_id or 0)])
    # Every message about these items (also outside the period) for last-touch credit.
    sends: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for item_id, sent_at, message_id in session.execute(
        sa.select(
            ReminderMessage.pending_item_id, ReminderMessage.sent_at, ReminderMessage.id
        ).where(ReminderMessage.pending_item_id.in_(item_ids), ReminderMessage.sent_at.is_not(None))
    ):
        if sent_at is not None:
            sends[item_id].append((_aware(sent_at), message_id))
    for history in sends.values():
        history.sort()
    agreements = session.execute(
        sa.select(AgreementItem.pending_item_id, Agreement.created_at)
        .join(Agreement, Agreement.id == AgreementItem.agreement_id)
        .where(AgreementItem.pending_item_id.in_(item_ids))
    ).all()
    payments = session.execute(
        sa.select(AgreementItem.pending_item_id, Payment.succeeded_at)
        .join(Agreement, Agreement.id == AgreementItem.agreement_id)
        .join(Payment, Payment.agreement_id == Agreement.id)
        .where(
            AgreementItem.pending_item_id.in_(item_ids),
            Payment.applied_cents > 0,
            Payment.succeeded_at.is_not(None),
        )
    ).all()
    agreed = _last_touch(sends, [(i, t) for i, t in agreements])
    paid = _last_touch(sends, [(i, t) for i, t in payments if t is not None])
    opted = set(
        session.scalars(
            sa.select(ReminderOptOut.message_id).where(ReminderOptOut.message_id.in_(ids))
        )
    )
    rows: dict[tuple[str, str, str], FunnelRow] = {}
    phases: dict[str, FunnelRow] = {}
    for m in messages:
        key = (m.phase, m.step_key, m.variant)
        row = rows.setdefault(
            key, FunnelRow(Phase(m.phase), m.step_key, m.channel, _offset(m.step_key), m.variant)
        )
        total = phases.setdefault(m.phase, FunnelRow(Phase(m.phase), "", "", 0, ""))
        reached = {
            "sent": True,
            "delivered": m.status == "delivered",
            "opened": m.id in by_link["link.opened"],
            "identified": m.id in by_link["link.used"],
            "agreement": m.id in agreed,
            "paid": m.id in paid,
            "opted_out": m.id in opted,
        }
        for stage, hit in reached.items():
            if hit:
                row.counts[stage] += 1
                total.counts[stage] += 1
    order = {phase.value: n for n, phase in enumerate(PHASES)}
    return Funnel(
        sorted(rows.values(), key=lambda r: (order[r.phase], r.offset_days, r.step_key, r.variant)),
        sorted(phases.values(), key=lambda r: order[r.phase]),
    )


def funnel_rows_for_csv(funnel: Funnel) -> list[list[Any]]:
    """Rows for :func:`portal.core.csv_br.write_csv` (labels are the caller's)."""
    out: list[list[Any]] = []
    for row in funnel.rows:
        out.append(
            [row.phase.value, row.step_key, row.channel, row.variant]
            + [row.counts[s] for s in STAGES]
        )
    return out
