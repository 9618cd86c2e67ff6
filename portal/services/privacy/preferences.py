"""Communication preferences per channel for one company, from the debtor's privacy page.

Switching a channel off records an opt-out limited to that company (the régua skips it from
its next run); switching it back on removes that company's opt-out and any opt-out for every
company on that channel (the page says so). Each change has its audit record
(``reminder.opted_out`` / ``reminder.opted_in``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from portal.core import DbSession
from portal.core.context import Actor
from portal.domain.regua_copy import Channel
from portal.models import Debtor, OptOutSource
from portal.services.regua import Preference, opt_in, opt_out, preferences


def set_preferences(
    session: DbSession,
    debtor: Debtor,
    creditor_id: int,
    wanted: Mapping[Channel, bool],
    *,
    actor: Actor,
    now: datetime,
) -> list[Channel]:
    """Apply ``wanted`` (True: receive) to each channel; returns the channels that changed."""
    current = preferences(session, debtor.id, creditor_id)
    changed: list[Channel] = []
    for channel, receive in wanted.items():
        is_on = current[channel] is Preference.ON
        if receive and not is_on:
            opt_in(session, debtor, channel, creditor_id=creditor_id, actor=actor)
            changed.append(channel)
        elif not receive and is_on:
            opt_out(
                session,
                debtor,
                channel,
                source=OptOutSource.LGPD,
                actor=actor,
                now=now,
                creditor_id=creditor_id,
                scope_creditor_id=creditor_id,
            )
            changed.append(channel)
    return changed
