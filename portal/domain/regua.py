"""The régua de cobrança: a company's five-phase reminder ruler and who gets what, when.

A :class:`Ruler` is a list of :class:`Step` (phase, offset in days from the due date — negative
before it —, channel, text, optional B variant) and the company's :class:`SendingWindow`.

**Which step is due.** For an item due on ``D``, on local day ``T`` the *current* steps are
those with the largest offset not after ``T - D``. Only the current stage is sent: an item
loaded 90 days late gets the step for day 90, not every earlier reminder at once. A step
whose day fell on a Sunday stays current, so it goes out on the next allowed day.

**At most once.** Every message has an idempotency key — item, step and the step's scheduled
date — stored under a unique constraint: a rerun, a crash or two jobs at once cannot send
the same step of the same item twice.

**Decisions**, per debtor (:func:`plan_debtor`), in this order: a stopped item (paid, in an
agreement, disputed, cancelled, or the debtor blocked) sends nothing; then missing contact,
opt-out of the channel, the sending window (quiet hours) and the caps.

The five phases, after the usual Brazilian practice: a reminder before the due date, a
friendly first notice, intensification, a negotiation offer, and a final notice (humane too:
see :mod:`portal.domain.regua_copy`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Final

from portal.domain.errors import N_, Message
from portal.domain.regua_copy import Channel, CopyContext, check_copy
from portal.domain.regua_hours import Caps, SendingWindow


class Phase(StrEnum):
    PRE_DUE = "pre_due"
    FIRST_NOTICE = "first_notice"
    INTENSIFICATION = "intensification"
    NEGOTIATION = "negotiation"
    FINAL_NOTICE = "final_notice"


PHASES: Final = tuple(Phase)
PRE_DUE_OFFSETS: Final = range(-30, 1)
OVERDUE_OFFSETS: Final = range(1, 366)
MAX_STEPS: Final = 20
VARIANTS: Final = ("A", "B")


@dataclass(frozen=True, slots=True)
class StepText:
    """One variant of a step's message."""

    body: str
    subject: str | None = None  # e-mail
    provider_template: str | None = None  # WhatsApp: the approved template


@dataclass(frozen=True, slots=True)
class Step:
    phase: Phase
    offset_days: int
    channel: Channel
    text: StepText
    variant_b: StepText | None = None

    @property
    def key(self) -> str:
        """Stable across versions and variants: a new wording does not resend a step."""
        return f"{self.phase.value}{self.offset_days:+d}{self.channel.value}"

    def variant_for(self, debtor_id: int) -> str:
        """ "A" or "B", half the debtors each, always the same for one debtor and step."""
        if self.variant_b is None:
            return "A"
        digest = hashlib.sha256(f"{debtor_id}:{self.key}".encode()).digest()
        return VARIANTS[digest[0] % 2]

    def text_for(self, variant: str) -> StepText:
        return self.variant_b if variant == "B" and self.variant_b is not None else self.text


@dataclass(frozen=True, slots=True)
class StepProblem:
    """Why a ruler cannot be saved: the step (1-based position; 0 for the whole ruler)."""

    position: int
    message: Message


def structure_problems(steps: Sequence[Step]) -> list[StepProblem]:
    """Offsets per phase, phases in order, no duplicate step, a sensible number of steps."""
    problems: list[StepProblem] = []
    if not steps:
        problems.append(StepProblem(0, Message.of("no_steps", N_("inclua ao menos um passo"))))
    if len(steps) > MAX_STEPS:
        problems.append(
            StepProblem(0, Message.of("too_many_steps", N_("no máximo %(n)s passos"), n=MAX_STEPS))
        )
    seen: set[str] = set()
    for position, step in enumerate(steps, start=1):
        allowed = PRE_DUE_OFFSETS if step.phase == Phase.PRE_DUE else OVERDUE_OFFSETS
        if step.offset_days not in allowed:
            problems.append(
                StepProblem(
                    position,
                    Message.of(
                        "offset_range",
                        N_("para esta fase, use de %(low)s a %(high)s dias"),
                        low=allowed.start,
                        high=allowed.stop - 1,
                    ),
                )
            )
        if step.key in seen:
            problems.append(
                StepProblem(
                    position,
                    Message.of("duplicate_step", N_("passo repetido: mesma fase, dia e canal")),
                )
            )
        seen.add(step.key)
    ordered = sorted(steps, key=lambda s: (s.offset_days, PHASES.index(s.phase)))
    for earlier, later in pairwise(ordered):
        if PHASES.index(later.phase) < PHASES.index(earlier.phase):
            problems.append(
                StepProblem(
                    steps.index(later) + 1,
                    Message.of(
                        "phase_order",
                        N_("esta fase vem antes, na régua, da fase de um passo anterior"),
                    ),
                )
            )
    return problems


def ruler_problems(
    steps: Sequence[Step], context_for: Callable[[Channel], CopyContext]
) -> list[StepProblem]:
    """Structure and wording (every variant of every step) checked together."""
    problems = structure_problems(steps)
    for position, step in enumerate(steps, start=1):
        for text in (step.text, step.variant_b):
            if text is None:
                continue
            for message in check_copy(
                step.channel,
                text.body,
                context_for(step.channel),
                subject=text.subject,
                provider_template=text.provider_template,
            ):
                problems.append(StepProblem(position, message))
    return problems


@dataclass(frozen=True, slots=True)
class Ruler:
    steps: tuple[Step, ...]
    window: SendingWindow = field(default_factory=SendingWindow)

    def current_steps(self, due_date: date, today: date) -> tuple[Step, ...]:
        """The steps of the latest stage reached on ``today`` (none before the first)."""
        elapsed = (today - due_date).days
        reached = [s.offset_days for s in self.steps if s.offset_days <= elapsed]
        if not reached:
            return ()
        stage = max(reached)
        return tuple(s for s in self.steps if s.offset_days == stage)


def scheduled_date(step: Step, due_date: date) -> date:
    return due_date + timedelta(days=step.offset_days)


def idempotency_key(item_id: int, step: Step, scheduled: date) -> str:
    return f"{item_id}:{step.key}:{scheduled.isoformat()}"


class StopReason(StrEnum):
    PAID = "paid"
    IN_AGREEMENT = "in_agreement"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"


_STOPPING_STATUSES: Final = {
    "paid": StopReason.PAID,
    "in_agreement": StopReason.IN_AGREEMENT,
    "disputed": StopReason.DISPUTED,
    "cancelled": StopReason.CANCELLED,
}


def stop_reason(item_status: str, debtor_blocked: bool) -> StopReason | None:
    """Why no more steps go out for this item, or None while it is open."""
    if item_status in _STOPPING_STATUSES:
        return _STOPPING_STATUSES[item_status]
    if debtor_blocked:
        return StopReason.BLOCKED
    return None


class Outcome(StrEnum):
    PLANNED = "planned"
    STOPPED = "stopped"
    NO_CONTACT = "no_contact"
    OPT_OUT = "opt_out"
    QUIET_HOURS = "quiet_hours"
    CAP = "cap"


@dataclass(frozen=True, slots=True)
class ItemFacts:
    item_id: int
    creditor_id: int
    due_date: date
    status: str


@dataclass(frozen=True, slots=True)
class DebtorFacts:
    debtor_id: int
    blocked: bool
    channels: frozenset[Channel]  # the channels we have a contact for
    opted_out: frozenset[Channel] = frozenset()  # for every company
    company_opted_out: frozenset[tuple[int, Channel]] = frozenset()  # (creditor id, channel)
    sent_days: tuple[date, ...] = ()  # local days of messages already sent, last 7 days
    sent_keys: frozenset[str] = frozenset()  # keys already used by this debtor's items


@dataclass(frozen=True, slots=True)
class Decision:
    item_id: int
    creditor_id: int
    step: Step
    scheduled: date
    key: str
    variant: str
    outcome: Outcome
    day_slot: int | None = None
    stop: StopReason | None = None


def plan_debtor(
    debtor: DebtorFacts,
    items: Iterable[tuple[ItemFacts, Ruler]],
    local_now: datetime,
    holidays: frozenset[date],
    caps: Caps,
) -> list[Decision]:
    """What to do, now, about each current step of each of the debtor's items.

    Items are served oldest due date first, so when the cap allows one message today it is
    about the oldest debt. Steps already sent (their key is known) are left out entirely.
    """
    today = local_now.date()
    sent_days = list(debtor.sent_days)
    decisions: list[Decision] = []
    for item, ruler in sorted(items, key=lambda pair: (pair[0].due_date, pair[0].item_id)):
        stop = stop_reason(item.status, debtor.blocked)
        for step in ruler.current_steps(item.due_date, today):
            scheduled = scheduled_date(step, item.due_date)
            key = idempotency_key(item.item_id, step, scheduled)
            if key in debtor.sent_keys:
                continue
            slot = None
            if stop is not None:
                outcome = Outcome.STOPPED
            elif step.channel not in debtor.channels:
                outcome = Outcome.NO_CONTACT
            elif (
                step.channel in debtor.opted_out
                or (item.creditor_id, step.channel) in debtor.company_opted_out
            ):
                outcome = Outcome.OPT_OUT
            elif not ruler.window.allows(local_now, holidays):
                outcome = Outcome.QUIET_HOURS
            elif caps.check(sent_days, today) is not None:
                outcome = Outcome.CAP
            else:
                outcome = Outcome.PLANNED
                slot = caps.day_slot(sent_days, today)
                sent_days.append(today)
            decisions.append(
                Decision(
                    item_id=item.item_id,
                    creditor_id=item.creditor_id,
                    step=step,
                    scheduled=scheduled,
                    key=key,
                    variant=step.variant_for(debtor.debtor_id),
                    outcome=outcome,
                    day_slot=slot,
                    stop=stop,
                )
            )
    return decisions


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    step: Step
    scheduled: date
    first_send_day: date | None  # the first day the window opens on or after ``scheduled``


def timeline(ruler: Ruler, due_date: date, holidays: frozenset[date]) -> list[TimelineEntry]:
    """Every step of the ruler for an item due on ``due_date``, in order, with the day it
    would actually go out (Sundays, holidays and closed Saturdays move it forward)."""
    entries = []
    for step in sorted(ruler.steps, key=lambda s: (s.offset_days, PHASES.index(s.phase))):
        scheduled = scheduled_date(step, due_date)
        opening = ruler.window.next_opening(datetime.combine(scheduled, time.min), holidays)
        entries.append(TimelineEntry(step, scheduled, opening.date() if opening else None))
    return entries
