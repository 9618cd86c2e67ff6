"""Entry links: using magic and reminder links, the identity check, issuing and revoking.

Every state change of a link is one conditional UPDATE (consume, count a failure, lock,
use, revoke), so two requests racing on the same link cannot both win (requirements.md A3).
Each is written with its audit event in the caller's unit of work; e-mails leave after
the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.core import DbSession, affected
from portal.core.audit import record_event, record_events
from portal.core.bulk_copy import copy_rows, copy_supported, reserve_ids
from portal.core.context import Actor
from portal.core.tokens import MAGIC_TOKEN, REMINDER_TOKEN, new_reminder_token, token_hash
from portal.models import AccessLink, Channel, Creditor, CreditorDebtor, Debtor, LinkPurpose
from portal.services.access.proofs import link_relationships, relationship

MAX_IDENTITY_FAILURES = 5  # requirements.md A9


class LinkError(Exception):
    """The link cannot be used. Deliberately carries no reason for the person (A11)."""


def link_event(
    session: DbSession, actor: Actor, action: str, link: AccessLink, **details: object
) -> None:
    """Audit something that happened to a link (never its token)."""
    record_event(
        session,
        actor,
        action,
        subject=("access_link", link.id),
        creditor_id=link.creditor_id,
        details={"debtor_id": link.debtor_id, **details},
    )


def _update_link(
    session: DbSession, link: AccessLink, *conditions: sa.ColumnElement[bool], **values: object
) -> bool:
    """One conditional UPDATE of this link; True when this call changed it."""
    result = session.execute(
        sa.update(AccessLink)
        .where(AccessLink.id == link.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return affected(result) == 1


def find_link(session: DbSession, token: str, purpose: LinkPurpose) -> AccessLink | None:
    """The link for a token, whatever its state; None for a malformed or unknown token."""
    shape = MAGIC_TOKEN if purpose == LinkPurpose.MAGIC else REMINDER_TOKEN
    if not shape.fullmatch(token):
        return None
    return session.scalar(
        sa.select(AccessLink).where(
            AccessLink.token_hash == token_hash(token), AccessLink.purpose == purpose
        )
    )


def usable(link: AccessLink, now: datetime) -> bool:
    return link is not None and link.status(now) == "active" and link.debtor.can_sign_in


def _usable_clause(now: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        AccessLink.revoked_at.is_(None),
        AccessLink.locked_at.is_(None),
        AccessLink.expires_at > now,
    ]


def consume_magic_link(
    session: DbSession, link: AccessLink, *, actor: Actor, now: datetime
) -> bool:
    """Use up a magic link: exactly one of any number of concurrent calls succeeds."""
    won = _update_link(
        session,
        link,
        AccessLink.purpose == LinkPurpose.MAGIC,
        AccessLink.used_at.is_(None),
        *_usable_clause(now),
        used_at=now,
        use_count=AccessLink.use_count + 1,
    )
    if won:
        link_event(session, actor, "link.used", link)
    else:
        link_event(session, actor, "link.failed", link, why="race")
    return won


def link_birth_date(session: DbSession, link: AccessLink) -> date | None:
    """The birth date the identity check may ask for: the one the link's companies hold
    (never a birth date another company sent)."""
    dates = {rel.birth_date for rel in link_relationships(session, link) if rel.birth_date}
    return dates.pop() if len(dates) == 1 else None


def identity_matches(document: str, birth_date: date | None, method: str, answer: str) -> bool:
    """The speed bump before any data: first 3 digits of the document, or the birth date.

    Not an authentication factor (requirements.md §0.2): it stops forwarded links and
    scanners, nothing more. Compared in constant time.
    """
    import hmac

    if method == "document":
        digits = "".join(ch for ch in answer if ch.isalnum()).upper()
        return len(digits) == 3 and hmac.compare_digest(digits, document[:3])
    if method == "birth_date" and birth_date is not None:
        try:
            given = date.fromisoformat(answer)
        except ValueError:
            return False
        return hmac.compare_digest(given.isoformat(), birth_date.isoformat())
    return False


@dataclass(frozen=True)
class IdentityCheck:
    passed: bool
    locked: bool = False
    attempts_left: int = 0


def check_identity(
    session: DbSession,
    link: AccessLink,
    method: str,
    answer: str,
    *,
    actor: Actor,
    now: datetime,
) -> IdentityCheck:
    """Count a failure (locking at 5) or record a successful use, atomically."""
    birth_date = link_birth_date(session, link)
    if identity_matches(link.debtor.document, birth_date, method, answer):
        values: dict[str, object] = {"failed_attempts": 0}
        if link.purpose == LinkPurpose.REMINDER:
            values.update(used_at=now, use_count=AccessLink.use_count + 1)
        if not _update_link(session, link, *_usable_clause(now), **values):
            return IdentityCheck(passed=False, locked=True)
        if link.purpose == LinkPurpose.REMINDER:
            link_event(session, actor, "link.used", link, check=method)
        return IdentityCheck(passed=True)
    failures = session.scalar(
        sa.update(AccessLink)
        .where(AccessLink.id == link.id, AccessLink.locked_at.is_(None))
        .values(failed_attempts=AccessLink.failed_attempts + 1)
        .returning(AccessLink.failed_attempts)
        .execution_options(synchronize_session=False)
    )
    link_event(session, actor, "link.failed", link, why="identity_check", check=method)
    if failures is None:
        return IdentityCheck(passed=False, locked=True)
    if failures >= MAX_IDENTITY_FAILURES:
        if _update_link(session, link, AccessLink.locked_at.is_(None), locked_at=now):
            link_event(session, actor, "link.locked", link, failures=failures)
        return IdentityCheck(passed=False, locked=True)
    return IdentityCheck(passed=False, attempts_left=MAX_IDENTITY_FAILURES - failures)


def issue_reminder_link(
    session: DbSession,
    debtor: Debtor,
    creditor: Creditor,
    *,
    channel: Channel,
    days: int,
    max_days: int,
    actor: Actor,
    now: datetime,
) -> tuple[AccessLink, str]:
    """Create a reusable, revocable link for a reminder; returns the link and its token.

    The token exists only in the return value: the caller shows it once or sends it. The
    link will prove ``creditor`` only, so the company must know the debtor.
    """
    if not 1 <= days <= max_days:
        raise ValueError(f"days must be between 1 and {max_days}")
    if relationship(session, creditor.id, debtor.id) is None:
        raise ValueError("this company does not know this debtor")
    token = new_reminder_token()
    link = AccessLink(
        token_hash=token_hash(token),
        purpose=LinkPurpose.REMINDER,
        channel=channel,
        debtor_id=debtor.id,
        creditor_id=creditor.id,
        issued_by_type=actor.type.value,
        issued_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(link)
    session.flush()
    record_event(
        session,
        actor,
        "link.issued",
        subject=("access_link", link.id),
        creditor_id=creditor.id,
        details={"debtor_id": debtor.id, "channel": channel.value, "days": days},
    )
    return link, token


def issue_reminder_links(
    session: DbSession,
    creditor_id: int,
    debtor_ids: Sequence[int],
    *,
    channel: Channel,
    days: int,
    max_days: int,
    actor: Actor,
    now: datetime,
) -> dict[int, tuple[int, str]]:
    """:func:`issue_reminder_link` for many people at once (bulk jobs), set-based.

    The same rows and ``link.issued`` audit records, written with one COPY each on
    PostgreSQL (the links' ids drawn from their sequence first), one multi-row INSERT each
    elsewhere, instead of one round trip per link. People the company does not know, or whose access
    is blocked, get nothing. Returns ``{debtor id: (link id, token)}``.
    """
    if not 1 <= days <= max_days:
        raise ValueError(f"days must be between 1 and {max_days}")
    wanted = sorted(set(debtor_ids))
    if not wanted:
        return {}
    allowed = session.scalars(
        sa.select(CreditorDebtor.debtor_id)
        .join(Debtor, Debtor.id == CreditorDebtor.debtor_id)
        .where(
            CreditorDebtor.creditor_id == creditor_id,
            CreditorDebtor.debtor_id.in_(wanted),
            Debtor.access_blocked_at.is_(None),
        )
        .order_by(CreditorDebtor.debtor_id)
    ).all()
    if not allowed:
        return {}
    tokens = {debtor_id: new_reminder_token() for debtor_id in allowed}
    expires_at = now + timedelta(days=days)
    values = {
        "purpose": LinkPurpose.REMINDER.value,
        "channel": channel.value,
        "creditor_id": creditor_id,
        "issued_by_type": actor.type.value,
        "issued_by_id": actor.id,
        "created_at": now,
        "expires_at": expires_at,
        "use_count": 0,
        "failed_attempts": 0,
    }
    if copy_supported(session):  # ids drawn from the sequence, the rows COPYed
        ids = reserve_ids(session, AccessLink.__tablename__, len(allowed))
        inserted = list(zip(ids, allowed, strict=True))
        copy_rows(
            session,
            AccessLink.__tablename__,
            ("id", "debtor_id", "token_hash", *values),
            (
                (link_id, debtor_id, token_hash(tokens[debtor_id]), *values.values())
                for link_id, debtor_id in inserted
            ),
        )
    else:
        inserted = [
            (link_id, debtor_id)
            for link_id, debtor_id in session.execute(
                sa.insert(AccessLink).returning(
                    AccessLink.id, AccessLink.debtor_id, sort_by_parameter_order=True
                ),
                [
                    {**values, "debtor_id": debtor_id, "token_hash": token_hash(tokens[debtor_id])}
                    for debtor_id in allowed
                ],
            )
        ]
    record_events(
        session,
        actor,
        "link.issued",
        (
            (
                ("access_link", link_id),
                creditor_id,
                {"debtor_id": debtor_id, "channel": channel.value, "days": days},
            )
            for link_id, debtor_id in inserted
        ),
    )
    return {debtor_id: (link_id, tokens[debtor_id]) for link_id, debtor_id in inserted}


def revoke_link(session: DbSession, link: AccessLink, *, actor: Actor, now: datetime) -> bool:
    if not _update_link(session, link, AccessLink.revoked_at.is_(None), revoked_at=now):
        return False
    link_event(session, actor, "link.revoked", link)
    session.refresh(link)
    return True


def set_access_blocked(
    session: DbSession,
    debtor: Debtor,
    blocked: bool,
    *,
    actor: Actor,
    now: datetime,
    creditor_id: int | None = None,
) -> None:
    """Block (or unblock) a debtor's access; blocking ends every open session at once."""
    debtor.access_blocked_at = now if blocked else None
    debtor.session_version += 1
    record_event(
        session,
        actor,
        "debtor.access_blocked" if blocked else "debtor.access_unblocked",
        subject=("debtor", debtor.id),
        creditor_id=creditor_id,
    )
