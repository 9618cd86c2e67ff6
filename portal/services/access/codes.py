"""One-time codes: 6 digits, at most 10 minutes, single use, 5 attempts (requirements.md A9, A16).

A code goes to a contact one company has on file for the person (a ``CreditorDebtor``), never
to an address another company sent. Each guess first claims an attempt with one conditional
UPDATE and only then compares, so however many guesses race, at most five are ever compared.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.core import DbSession, affected
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.core.tokens import code_hash, codes_match, contact_hash, new_code
from portal.domain.documents import mask_document
from portal.log import scrub
from portal.models import Channel, CodePurpose, CreditorDebtor, OneTimeCode
from portal.services.access.proofs import contact_of

MAX_ATTEMPTS = 5


class CodeUnavailable(Exception):
    """The relationship has no e-mail or phone for the chosen channel."""


def available_channels(rel: CreditorDebtor | None, *, text_messages: bool) -> list[Channel]:
    channels = []
    if rel is not None and rel.email:
        channels.append(Channel.EMAIL)
    if rel is not None and rel.phone and text_messages:
        channels.append(Channel.SMS)
    return channels


def mask_contact(contact: str, channel: Channel) -> str:
    """``maria@example.com`` → ``m***@example.com``; ``+5541999990000`` → ``(41) *****-0000``."""
    if channel == Channel.EMAIL:
        return scrub(contact)
    return f"({contact[3:5]}) *****-{contact[-4:]}"


def masked_destination(rel: CreditorDebtor, channel: Channel) -> str:
    return mask_contact(str(contact_of(rel, channel)), channel)


def _default_text(code: str, minutes: int) -> str:
    with force_locale("pt_BR"):
        return _(
            "Portal de Acordos: seu código é %(code)s. Vale por %(minutes)s minutos. "
            "Não compartilhe com ninguém.",
            code=code,
            minutes=minutes,
        )


def send_code(
    session: DbSession,
    rel: CreditorDebtor,
    *,
    purpose: CodePurpose,
    channel: Channel,
    ttl: timedelta,
    actor: Actor,
    now: datetime,
    act: str | None = None,
    subject: str | None = None,
    template: str = "one_time_code",
    message: dict[str, Any] | None = None,
    text: Callable[[str, int], str] | None = None,
) -> OneTimeCode:
    """Replace any live code of this purpose with a new one and send it after the commit.

    ``act`` and ``subject`` bind a step-up code to the one act it confirms; ``template``,
    ``message`` (e-mail context) and ``text`` (the SMS, from the code and its minutes) say
    what it is for.
    """
    from portal.services.notify import queue_email, queue_text_message

    destination = contact_of(rel, channel)
    if not destination:
        raise CodeUnavailable(channel.value)
    session.execute(
        sa.update(OneTimeCode)
        .where(
            OneTimeCode.debtor_id == rel.debtor_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = new_code()
    row = OneTimeCode(
        debtor_id=rel.debtor_id,
        creditor_id=rel.creditor_id,
        purpose=purpose,
        channel=channel,
        code_hash="-",
        contact_hash=contact_hash(destination),
        act=act,
        subject=subject,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    session.flush()
    row.code_hash = code_hash(row.id, code)
    minutes = int(ttl.total_seconds() // 60)
    if channel == Channel.EMAIL:
        queue_email(
            session,
            to=destination,
            template=template,
            context={
                **(message or {}),
                "first_name": rel.first_name,
                "code": code,
                "minutes": minutes,
            },
        )
    else:
        body = (text or _default_text)(code, minutes)
        queue_text_message(session, channel=channel.value, to_phone=destination, text=body)
    record_event(
        session,
        actor,
        "code.sent",
        subject=("one_time_code", row.id),
        creditor_id=rel.creditor_id,
        details={
            "debtor_id": rel.debtor_id,
            "purpose": purpose.value,
            "channel": channel.value,
            "document": mask_document(rel.debtor.document),
            **({"act": act} if act else {}),
        },
    )
    return row


def verify_code(
    session: DbSession,
    code_id: int,
    debtor_id: int,
    guess: str,
    *,
    purpose: CodePurpose,
    actor: Actor,
    now: datetime,
    creditor_id: int | None = None,
    act: str | None = None,
    subject: str | None = None,
) -> bool:
    """True once for the right code of this purpose (and, when given, of this company and
    act); claims an attempt atomically before comparing."""
    guess = guess.strip().replace(" ", "")
    conditions = [
        OneTimeCode.id == code_id,
        OneTimeCode.debtor_id == debtor_id,
        OneTimeCode.purpose == purpose,
        OneTimeCode.used_at.is_(None),
        OneTimeCode.attempts < MAX_ATTEMPTS,
        OneTimeCode.expires_at > now,
    ]
    if creditor_id is not None:
        conditions.append(OneTimeCode.creditor_id == creditor_id)
    if act is not None or subject is not None:
        conditions += [OneTimeCode.act == act, OneTimeCode.subject == subject]
    stored = session.scalar(
        sa.update(OneTimeCode)
        .where(*conditions)
        .values(attempts=OneTimeCode.attempts + 1)
        .returning(OneTimeCode.code_hash)
        .execution_options(synchronize_session=False)
    )
    if (
        stored is not None
        and len(guess) == 6
        and guess.isdigit()
        and codes_match(code_id, guess, stored)
    ):
        used = session.execute(
            sa.update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if affected(used) == 1:
            record_event(
                session,
                actor,
                "code.verified",
                subject=("one_time_code", code_id),
                creditor_id=creditor_id,
                details={"debtor_id": debtor_id, **({"act": act} if act else {})},
            )
            return True
    record_event(
        session,
        actor,
        "code.failed",
        subject=("one_time_code", code_id),
        creditor_id=creditor_id,
        details={"debtor_id": debtor_id, "why": "wrong_code" if stored is not None else "unusable"},
    )
    return False
