"""A debtor's whole ruler at one company, for the back-office preview.

For each of the debtor's items with the company: every step with the day it is scheduled
for, the day it would actually go out (Sundays, holidays and closed Saturdays move it), the
variant this debtor gets, the message as it would read (with an example link: no real link
is issued by a preview), and what happened or will happen to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.core import DbSession
from portal.domain.calendar import anbima_calendar
from portal.domain.regua import Step, StopReason, idempotency_key, stop_reason, timeline
from portal.domain.regua_copy import Channel
from portal.domain.regua_hours import zone_for_phone
from portal.models import (
    Creditor,
    CreditorDebtor,
    Debtor,
    PendingItem,
    ReguaVersion,
    ReminderMessage,
)
from portal.services.regua.optouts import opted_out
from portal.services.regua.rulers import ruler_of
from portal.services.regua.texts import (
    CannotRender,
    MessageFacts,
    RenderedReminder,
    access_link_example,
    render_reminder,
)


@dataclass(frozen=True, slots=True)
class PreviewStep:
    step: Step
    scheduled: date
    first_send_day: date | None
    variant: str
    rendered: RenderedReminder | None
    state: str  # a MessageStatus value, or "stopped", "upcoming", "current", "passed"


@dataclass(frozen=True, slots=True)
class PreviewItem:
    item: PendingItem
    stop: StopReason | None
    steps: list[PreviewStep]


@dataclass(frozen=True, slots=True)
class Preview:
    debtor: Debtor
    zone: str
    opted_out: set[Channel]
    items: list[PreviewItem]
    name: str = ""  # as this company knows the person (its relationship's name)


def preview_debtor(
    session: DbSession, creditor: Creditor, version: ReguaVersion, debtor: Debtor, today: date
) -> Preview:
    ruler = ruler_of(version)
    holidays = anbima_calendar().holidays
    # The person as this company knows them (tenant isolation): its name and phone only.
    contact = session.get(CreditorDebtor, (creditor.id, debtor.id))
    first_name = contact.first_name if contact else ""
    name = contact.name if contact else ""
    phone = contact.phone if contact else None
    items = session.scalars(
        sa.select(PendingItem)
        .where(PendingItem.creditor_id == creditor.id, PendingItem.debtor_id == debtor.id)
        .order_by(PendingItem.original_due_date, PendingItem.id)
    ).all()
    sent = dict(
        session.execute(
            sa.select(ReminderMessage.idempotency_key, ReminderMessage.status).where(
                ReminderMessage.pending_item_id.in_([i.id for i in items])
            )
        ).all()
    )
    result = []
    for item in items:
        stop = stop_reason(item.status, debtor.access_blocked_at is not None)
        current = set(ruler.current_steps(item.original_due_date, today))
        steps = []
        for entry in timeline(ruler, item.original_due_date, holidays):
            key = idempotency_key(item.id, entry.step, entry.scheduled)
            if key in sent:
                state = str(sent[key])
            elif stop is not None:
                state = "stopped"
            elif entry.step in current:
                state = "current"
            elif entry.scheduled > today:
                state = "upcoming"
            else:
                state = "passed"
            variant = entry.step.variant_for(debtor.id)
            facts = MessageFacts(
                first_name,
                creditor,
                item.outstanding_principal_cents,
                item.original_due_date,
                access_link_example(),
            )
            try:
                rendered: RenderedReminder | None = render_reminder(
                    entry.step.channel, entry.step.text_for(variant), facts
                )
            except CannotRender:
                rendered = None
            steps.append(
                PreviewStep(
                    entry.step, entry.scheduled, entry.first_send_day, variant, rendered, state
                )
            )
        result.append(PreviewItem(item, stop, steps))
    return Preview(
        debtor, zone_for_phone(phone), opted_out(session, debtor.id, creditor.id), result, name
    )
