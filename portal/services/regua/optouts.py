"""A debtor's "no more reminders on this channel", honoured from the next message on.

Sources: a reply (SAIR) or the one-click link in a message, the debtor's privacy page, the
company's API, or support on the debtor's request. An opt-out from a message, the API or
support covers every company: the portal, not a company, sends the messages. On the privacy
page ("Meus dados") the debtor chooses per company (``scope_creditor_id``); switching a
channel back on there removes that company's opt-out and any "every company" one (the
debtor was told so). Recording an opt-out twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.regua_copy import Channel
from portal.models import CreditorDebtor, Debtor, OptOutSource, ReminderMessage, ReminderOptOut

STOP_WORDS = frozenset({"sair", "parar", "pare", "cancelar", "stop", "descadastrar"})


def is_stop_word(text: str) -> bool:
    """A reply asking to stop: one of the usual words, in any case, accents or punctuation."""
    from portal.domain.regua_copy import normalise

    return normalise(text).strip(" .!") in STOP_WORDS


def opted_out(session: DbSession, debtor_id: int, creditor_id: int | None = None) -> set[Channel]:
    """Channels switched off for every company, plus those off for ``creditor_id`` only."""
    scope: sa.ColumnElement[bool] = ReminderOptOut.scope_creditor_id.is_(None)
    if creditor_id is not None:
        scope = sa.or_(scope, ReminderOptOut.scope_creditor_id == creditor_id)
    rows = session.scalars(
        sa.select(ReminderOptOut.channel).where(ReminderOptOut.debtor_id == debtor_id, scope)
    )
    return {Channel(c) for c in rows}


class Preference(StrEnum):
    ON = "on"
    OFF_HERE = "off_here"  # switched off for this company
    OFF_EVERYWHERE = "off_everywhere"  # switched off for every company


def preferences(session: DbSession, debtor_id: int, creditor_id: int) -> dict[Channel, Preference]:
    """Each channel's state for the debtor's messages about ``creditor_id``."""
    states = dict.fromkeys(Channel, Preference.ON)
    for channel, scope in session.execute(
        sa.select(ReminderOptOut.channel, ReminderOptOut.scope_creditor_id).where(
            ReminderOptOut.debtor_id == debtor_id,
            sa.or_(
                ReminderOptOut.scope_creditor_id.is_(None),
                ReminderOptOut.scope_creditor_id == creditor_id,
            ),
        )
    ):
        if scope is None:
            states[Channel(channel)] = Preference.OFF_EVERYWHERE
        elif states[Channel(channel)] is Preference.ON:
            states[Channel(channel)] = Preference.OFF_HERE
    return states


def opt_out(
    session: DbSession,
    debtor: Debtor,
    channel: Channel,
    *,
    source: OptOutSource,
    actor: Actor,
    now: datetime,
    message: ReminderMessage | None = None,
    creditor_id: int | None = None,
    scope_creditor_id: int | None = None,
) -> bool:
    """Record the opt-out (with its audit record); False when it was already there.

    ``scope_creditor_id`` limits it to that company's messages; an opt-out for every
    company already there covers it too."""
    scope: sa.ColumnElement[bool] = ReminderOptOut.scope_creditor_id.is_(None)
    if scope_creditor_id is not None:
        scope = sa.or_(scope, ReminderOptOut.scope_creditor_id == scope_creditor_id)
    exists = session.scalar(
        sa.select(ReminderOptOut.id).where(
            ReminderOptOut.debtor_id == debtor.id, ReminderOptOut.channel == channel.value, scope
        )
    )
    if exists is not None:
        return False
    creditor_id = message.creditor_id if message is not None else creditor_id
    session.add(
        ReminderOptOut(
            debtor_id=debtor.id,
            channel=channel.value,
            source=source.value,
            creditor_id=creditor_id,
            message_id=message.id if message is not None else None,
            scope_creditor_id=scope_creditor_id,
            created_at=now,
        )
    )
    session.flush()
    record_event(
        session,
        actor,
        "reminder.opted_out",
        subject=("debtor", debtor.id),
        creditor_id=creditor_id,
        details={
            "channel": channel.value,
            "source": source.value,
            "scope": "company" if scope_creditor_id is not None else "all",
        },
    )
    return True


def opt_in(
    session: DbSession, debtor: Debtor, channel: Channel, *, creditor_id: int, actor: Actor
) -> bool:
    """The debtor wants ``channel`` back for ``creditor_id`` (from their privacy page): removes
    that company's opt-out and any "every company" one. False when nothing was off."""
    rows = list(
        session.scalars(
            sa.select(ReminderOptOut).where(
                ReminderOptOut.debtor_id == debtor.id,
                ReminderOptOut.channel == channel.value,
                sa.or_(
                    ReminderOptOut.scope_creditor_id.is_(None),
                    ReminderOptOut.scope_creditor_id == creditor_id,
                ),
            )
        )
    )
    if not rows:
        return False
    everywhere = any(row.scope_creditor_id is None for row in rows)
    for row in rows:
        session.delete(row)
    session.flush()
    record_event(
        session,
        actor,
        "reminder.opted_in",
        subject=("debtor", debtor.id),
        creditor_id=creditor_id,
        details={"channel": channel.value, "scope": "all" if everywhere else "company"},
    )
    return True


def last_message_to(
    session: DbSession, debtor_ids: list[int], channel: Channel
) -> ReminderMessage | None:
    """The latest message sent on ``channel`` to any of these debtors (for attribution)."""
    if not debtor_ids:
        return None
    return session.scalar(
        sa.select(ReminderMessage)
        .where(
            ReminderMessage.debtor_id.in_(debtor_ids),
            ReminderMessage.channel == channel.value,
            ReminderMessage.sent_at.is_not(None),
        )
        .order_by(ReminderMessage.sent_at.desc(), ReminderMessage.id.desc())
        .limit(1)
    )


def opt_out_by_phone(
    session: DbSession, phone: str, channel: Channel, *, actor: Actor, now: datetime
) -> int:
    """A SAIR reply from ``phone``: every debtor with that number stops getting ``channel``."""
    holders = sa.select(CreditorDebtor.debtor_id).where(CreditorDebtor.phone == phone)
    debtors = list(session.scalars(sa.select(Debtor).where(Debtor.id.in_(holders))))
    message = last_message_to(session, [d.id for d in debtors], channel)
    count = 0
    for debtor in debtors:
        mine = message if message is not None and message.debtor_id == debtor.id else None
        if opt_out(
            session,
            debtor,
            channel,
            source=OptOutSource.MESSAGE,
            actor=actor,
            now=now,
            message=mine,
        ):
            count += 1
    return count
