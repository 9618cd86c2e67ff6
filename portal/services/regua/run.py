"""The reminder job: plan what is due at an instant, reserve it, send it.

Streams the open items of every company with an active régua, a batch of debtors at a time
(keyset pagination on the debtor id, so memory stays flat however large the portfolio), and
for each debtor asks the domain (:func:`portal.domain.regua.plan_debtor`) what to do now.

Each planned message is then

1. **reserved**: its row (``pending``, unique idempotency key, unique daily slot) and a fresh
   access link are written and *committed* — a second run, or a run racing this one, finds
   the key taken and sends nothing; a slot taken by a racing run counts as capped;
2. **sent**, and its outcome committed with its audit record (:mod:`.send`).

:func:`reminder_steps` never commits: it yields after each of those steps, and its caller (the
task, the CLI) runs each step in a unit of work of its own (``portal.core.uow.unit_per_step``).

A crash between 1 and 2 leaves a ``pending`` row: that message is never retried, because it
may have left (at most once, as the issue demands). ``dry_run`` plans and counts only:
nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.core import DbSession
from portal.core.context import Actor
from portal.core.tokens import reminder_link_url
from portal.domain.calendar import anbima_calendar
from portal.domain.regua import DebtorFacts, Decision, ItemFacts, Outcome, Ruler, plan_debtor
from portal.domain.regua_copy import Channel
from portal.domain.regua_hours import Caps, zone_for_phone
from portal.models import (
    ActorType,
    Creditor,
    CreditorDebtor,
    Debtor,
    ItemStatus,
    PendingItem,
    ReguaVersion,
    ReminderMessage,
    ReminderOptOut,
)
from portal.models import Channel as LinkChannel
from portal.services.access import issue_reminder_link
from portal.services.regua.rulers import active_versions, ruler_of
from portal.services.regua.send import send_reserved

REGUA = Actor(ActorType.SYSTEM, "regua")
BATCH_SIZE = 500
CAPS = Caps()


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    skipped_quiet_hours: int = 0
    skipped_cap: int = 0
    skipped_opt_out: int = 0
    skipped_no_contact: int = 0
    stopped: int = 0
    debtors: int = 0
    batches: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, outcome: Outcome) -> None:
        if outcome == Outcome.QUIET_HOURS:
            self.skipped_quiet_hours += 1
        elif outcome == Outcome.CAP:
            self.skipped_cap += 1
        elif outcome == Outcome.OPT_OUT:
            self.skipped_opt_out += 1
        elif outcome == Outcome.NO_CONTACT:
            self.skipped_no_contact += 1
        elif outcome == Outcome.STOPPED:
            self.stopped += 1

    def line(self) -> str:
        return (
            f"sent={self.sent} skipped_quiet_hours={self.skipped_quiet_hours} "
            f"skipped_cap={self.skipped_cap} skipped_opt_out={self.skipped_opt_out}"
        )


def debtor_batches(
    session: DbSession, creditor_ids: list[int], batch_size: int = BATCH_SIZE
) -> Iterator[list[int]]:
    """Ids of the debtors with open items at these companies, ``batch_size`` at a time."""
    last = 0
    while True:
        ids = list(
            session.scalars(
                sa.select(PendingItem.debtor_id)
                .where(
                    PendingItem.status == ItemStatus.OPEN,
                    PendingItem.creditor_id.in_(creditor_ids),
                    PendingItem.debtor_id > last,
                )
                .group_by(PendingItem.debtor_id)
                .order_by(PendingItem.debtor_id)
                .limit(batch_size)
            )
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


@dataclass(frozen=True, slots=True)
class _Contact:
    """What planning needs of a debtor (plain columns: no ORM object per debtor)."""

    id: int
    phone: str | None
    channels: frozenset[Channel]
    blocked: bool


_EMAIL_ONLY = frozenset({Channel.EMAIL})
_PHONE_ONLY = frozenset({Channel.SMS, Channel.WHATSAPP})


def _channels(email: str | None, phone: str | None) -> frozenset[Channel]:
    return (_EMAIL_ONLY if email else frozenset()) | (_PHONE_ONLY if phone else frozenset())


@dataclass
class _Batch:
    debtors: dict[int, _Contact]
    items: dict[int, list[ItemFacts]]
    opted_out: dict[int, set[Channel]]
    company_opted_out: dict[int, set[tuple[int, Channel]]]
    days: dict[int, list[date]]
    keys: dict[int, set[str]]


def _load(
    session: DbSession, debtor_ids: list[int], creditor_ids: list[int], at: datetime
) -> _Batch:
    # The batch holds every debtor with open items in its id range (keyset order), so a
    # range reads the same rows as IN (…1000 ids…) without a thousand bound parameters.
    first, last = debtor_ids[0], debtor_ids[-1]
    wanted = set(debtor_ids)
    # Contact data belongs to each company's relationship with the person (tenant isolation):
    # a debtor can be reached on a channel when some relationship holds it; each message is
    # sent to the contact of its own item's company (send.py), never another company's.
    blocked = {
        row.id: row.access_blocked_at is not None
        for row in session.execute(
            sa.select(Debtor.id, Debtor.access_blocked_at).where(Debtor.id.between(first, last))
        )
        if row.id in wanted
    }
    phones: dict[int, str | None] = {}
    channels: dict[int, frozenset[Channel]] = defaultdict(frozenset)
    for row in session.execute(
        sa.select(CreditorDebtor.debtor_id, CreditorDebtor.phone, CreditorDebtor.email)
        .where(CreditorDebtor.debtor_id.between(first, last))
        .order_by(CreditorDebtor.debtor_id, CreditorDebtor.creditor_id)
    ):
        if row.debtor_id in wanted:
            phones.setdefault(row.debtor_id, row.phone)
            channels[row.debtor_id] |= _channels(row.email, row.phone)
    debtors = {
        debtor_id: _Contact(debtor_id, phones.get(debtor_id), channels[debtor_id], is_blocked)
        for debtor_id, is_blocked in blocked.items()
    }
    items: dict[int, list[ItemFacts]] = defaultdict(list)
    for item_id, creditor_id, debtor_id, due, status in session.execute(
        sa.select(
            PendingItem.id,
            PendingItem.creditor_id,
            PendingItem.debtor_id,
            PendingItem.original_due_date,
            PendingItem.status,
        ).where(
            PendingItem.debtor_id.between(first, last),
            PendingItem.creditor_id.in_(creditor_ids),
            PendingItem.status == ItemStatus.OPEN,
        )
    ):
        items[debtor_id].append(ItemFacts(item_id, creditor_id, due, status))
    opted_out: dict[int, set[Channel]] = defaultdict(set)
    company_opted_out: dict[int, set[tuple[int, Channel]]] = defaultdict(set)
    for debtor_id, channel, scope in session.execute(
        sa.select(
            ReminderOptOut.debtor_id, ReminderOptOut.channel, ReminderOptOut.scope_creditor_id
        ).where(ReminderOptOut.debtor_id.between(first, last))
    ):
        if scope is None:
            opted_out[debtor_id].add(Channel(channel))
        else:
            company_opted_out[debtor_id].add((scope, Channel(channel)))
    days: dict[int, list[date]] = defaultdict(list)
    since = (at - timedelta(days=8)).date()  # the caps look back 7 local days
    for debtor_id, local_date in session.execute(
        sa.select(ReminderMessage.debtor_id, ReminderMessage.local_date).where(
            ReminderMessage.debtor_id.between(first, last), ReminderMessage.local_date >= since
        )
    ):
        days[debtor_id].append(local_date)
    keys: dict[int, set[str]] = defaultdict(set)
    open_items = {item.item_id for rows in items.values() for item in rows}
    for debtor_id, item_id, key in session.execute(
        sa.select(
            ReminderMessage.debtor_id,
            ReminderMessage.pending_item_id,
            ReminderMessage.idempotency_key,
        ).where(ReminderMessage.debtor_id.between(first, last))
    ):
        if item_id in open_items:
            keys[debtor_id].add(key)
    return _Batch(debtors, items, opted_out, company_opted_out, days, keys)


def plan_batch(
    batch: _Batch, rulers: dict[int, Ruler], at: datetime, holidays: frozenset[date]
) -> Iterator[tuple[_Contact, datetime, Decision]]:
    for debtor_id, debtor in sorted(batch.debtors.items()):
        local_now = at.astimezone(ZoneInfo(zone_for_phone(debtor.phone)))
        facts = DebtorFacts(
            debtor_id=debtor_id,
            blocked=debtor.blocked,
            channels=debtor.channels,
            opted_out=frozenset(batch.opted_out.get(debtor_id, ())),
            company_opted_out=frozenset(batch.company_opted_out.get(debtor_id, ())),
            sent_days=tuple(batch.days.get(debtor_id, ())),
            sent_keys=frozenset(batch.keys.get(debtor_id, ())),
        )
        pairs = [(item, rulers[item.creditor_id]) for item in batch.items.get(debtor_id, [])]
        for decision in plan_debtor(facts, pairs, local_now, holidays, CAPS):
            yield debtor, local_now, decision


def _reserve(
    session: DbSession,
    decision: Decision,
    contact: _Contact,
    creditor: Creditor,
    version: ReguaVersion,
    local_now: datetime,
    at: datetime,
) -> tuple[ReminderMessage, str] | None:
    """Write the pending row and its access link; None when a racing run took the key or
    the daily slot first (a savepoint keeps the rest of the batch)."""
    step_row = next(
        s
        for s in version.steps
        if (s.phase, s.offset_days, s.channel)
        == (decision.step.phase.value, decision.step.offset_days, decision.step.channel.value)
    )
    debtor = session.get(Debtor, contact.id)
    assert debtor is not None  # noqa: S101 - loaded from this batch a moment ago
    try:
        with session.begin_nested():
            config = current_app.config
            link, token = issue_reminder_link(
                session,
                debtor,
                creditor,
                channel=LinkChannel(decision.step.channel.value),
                days=config["ACCESS_LINK_DEFAULT_DAYS"],
                max_days=config["ACCESS_LINK_MAX_DAYS"],
                actor=REGUA,
                now=at,
            )
            message = ReminderMessage(
                idempotency_key=decision.key,
                creditor_id=creditor.id,
                debtor_id=debtor.id,
                pending_item_id=decision.item_id,
                regua_version_id=version.id,
                step_id=step_row.id,
                step_key=decision.step.key,
                phase=decision.step.phase.value,
                channel=decision.step.channel.value,
                variant=decision.variant,
                scheduled_date=decision.scheduled,
                local_date=local_now.date(),
                day_slot=decision.day_slot or 1,
                access_link_id=link.id,
                created_at=at,
            )
            session.add(message)
            session.flush()
    except IntegrityError:
        return None
    return message, reminder_link_url(token)


def reminder_steps(
    session: DbSession,
    at: datetime,
    report: RunReport,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    now: Callable[[], datetime] | None = None,
) -> Iterator[RunReport]:
    """Plan, reserve and send what is due at ``at`` (an aware datetime), counting in
    ``report``; see the module doc.

    Yields ``report`` after each step that must be committed before the next one: a batch's
    reservations (before anything leaves), then each message's outcome, and at the end of
    every batch (``report.batches`` counts them). A dry run writes nothing: iterate it
    without committing, then roll back.
    """
    if at.tzinfo is None:
        raise ValueError("the instant must carry a time zone")
    clock = now or (lambda: at)
    versions = active_versions(session)
    if not versions:
        return
    rulers = {cid: ruler_of(v) for cid, v in versions.items()}
    creditors = {
        c.id: c for c in session.scalars(sa.select(Creditor).where(Creditor.id.in_(versions)))
    }
    holidays = anbima_calendar().holidays
    creditor_ids = sorted(versions)
    for debtor_ids in debtor_batches(session, creditor_ids, batch_size):
        batch = _load(session, debtor_ids, creditor_ids, at)
        report.debtors += len(batch.debtors)
        reserved: list[tuple[ReminderMessage, str]] = []
        for debtor, local_now, decision in plan_batch(batch, rulers, at, holidays):
            if decision.outcome != Outcome.PLANNED:
                report.count(decision.outcome)
                continue
            if dry_run:
                report.sent += 1
                continue
            creditor = creditors[decision.creditor_id]
            made = _reserve(
                session, decision, debtor, creditor, versions[creditor.id], local_now, at
            )
            if made is None:
                report.count(Outcome.CAP)
            else:
                reserved.append(made)
        if reserved:
            yield report  # the reservations are durable before anything leaves
        for message, url in reserved:
            if send_reserved(session, message, url, actor=REGUA, now=clock()):
                report.sent += 1
            else:
                report.failed += 1
            yield report  # each outcome with its audit record
        report.batches += 1
        yield report
