"""A debtor's "no more reminders on this channel", honoured from the next message on.

Sources: a reply (SAIR) or the one-click link in a message, the debtor's privacy page, the
company's API, or support on the debtor's request. An opt-out covers every company: the
portal, not a company, sends the messages. Recording it twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime

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


def opted_out(session: DbSession, debtor_id: int) -> set[Channel]:
    rows = session.scalars(
        sa.select(ReminderOptOut.channel).where(ReminderOptOut.debtor_id == debtor_id)
    )
    return {Channel(c) for c in rows}


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
) -> bool:
    """Record the opt-out (with its audit record); False when it was already there."""
    exists = session.scalar(
        sa.select(ReminderOptOut.id).where(
            ReminderOptOut.debtor_id == debtor.id, ReminderOptOut.channel == channel.value
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
        details={"channel": channel.value, "source": source.value},
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
