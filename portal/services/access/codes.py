"""One-time codes: 6 digits, at most 10 minutes, single use, 5 attempts (requirements.md A9, A16).

Each guess first claims an attempt with one conditional UPDATE and only then compares, so
however many guesses race, at most five are ever compared.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.core import DbSession, affected
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.core.tokens import code_hash, codes_match, new_code
from portal.domain.documents import mask_document
from portal.log import scrub
from portal.models import Channel, CodePurpose, Debtor, OneTimeCode

MAX_ATTEMPTS = 5


class CodeUnavailable(Exception):
    """The debtor has no e-mail or phone for the chosen channel."""


def available_channels(debtor: Debtor, *, text_messages: bool) -> list[Channel]:
    channels = []
    if debtor.email:
        channels.append(Channel.EMAIL)
    if debtor.phone and text_messages:
        channels.append(Channel.SMS)
    return channels


def masked_destination(debtor: Debtor, channel: Channel) -> str:
    if channel == Channel.EMAIL:
        return scrub(str(debtor.email))
    phone = str(debtor.phone)
    return f"({phone[3:5]}) *****-{phone[-4:]}"


def send_code(
    session: DbSession,
    debtor: Debtor,
    *,
    purpose: CodePurpose,
    channel: Channel,
    ttl: timedelta,
    actor: Actor,
    now: datetime,
) -> OneTimeCode:
    """Replace any live code of this purpose with a new one and send it after the commit."""
    from portal.services.notify import queue_email, queue_text_message

    if (channel == Channel.EMAIL and not debtor.email) or (
        channel != Channel.EMAIL and not debtor.phone
    ):
        raise CodeUnavailable(channel.value)
    session.execute(
        sa.update(OneTimeCode)
        .where(
            OneTimeCode.debtor_id == debtor.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = new_code()
    row = OneTimeCode(
        debtor_id=debtor.id,
        purpose=purpose,
        channel=channel,
        code_hash="-",
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
            to=str(debtor.email),
            template="one_time_code",
            context={"first_name": debtor.first_name, "code": code, "minutes": minutes},
        )
    else:
        from flask_babel import force_locale
        from flask_babel import gettext as _

        with force_locale("pt_BR"):
            text = _(
                "Portal de Acordos: seu código é %(code)s. Vale por %(minutes)s minutos. "
                "Não compartilhe com ninguém.",
                code=code,
                minutes=minutes,
            )
        queue_text_message(session, channel=channel.value, to_phone=str(debtor.phone), text=text)
    record_event(
        session,
        actor,
        "code.sent",
        subject=("one_time_code", row.id),
        details={
            "debtor_id": debtor.id,
            "purpose": purpose.value,
            "channel": channel.value,
            "document": mask_document(debtor.document),
        },
    )
    return row


def verify_code(
    session: DbSession,
    code_id: int,
    debtor_id: int,
    guess: str,
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """True once for the right code; claims an attempt atomically before comparing."""
    guess = guess.strip().replace(" ", "")
    stored = session.scalar(
        sa.update(OneTimeCode)
        .where(
            OneTimeCode.id == code_id,
            OneTimeCode.debtor_id == debtor_id,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.attempts < MAX_ATTEMPTS,
            OneTimeCode.expires_at > now,
        )
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
                details={"debtor_id": debtor_id},
            )
            return True
    record_event(
        session,
        actor,
        "code.failed",
        subject=("one_time_code", code_id),
        details={"debtor_id": debtor_id, "why": "wrong_code" if stored is not None else "unusable"},
    )
    return False
