"""Entry links: self-requested magic links and staff/API-issued reminder links.

Every state change of a link is one conditional UPDATE (consume, count a failure, lock,
use, revoke), so two requests racing on the same link cannot both win (requirements.md A3).
Each is written with its audit event in the caller's unit of work; e-mails leave after
the commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.core import DbSession, affected
from portal.core.after_commit import enqueue_after_commit
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.core.tokens import (
    MAGIC_TOKEN,
    REMINDER_TOKEN,
    magic_link_url,
    new_magic_token,
    new_reminder_token,
    token_hash,
)
from portal.domain.documents import InvalidDocument, format_cnpj, normalise_document
from portal.models import (
    AccessLink,
    Channel,
    Creditor,
    Debtor,
    ItemStatus,
    LinkPurpose,
    PendingItem,
)
from portal.services.notify import queue_email

MAX_LIVE_MAGIC_LINKS = 3  # requirements.md A7
MAX_IDENTITY_FAILURES = 5  # requirements.md A9
MAX_DEBTORS_PER_EMAIL = 3


class LinkError(Exception):
    """The link cannot be used. Deliberately carries no reason for the person (A11)."""


MAGIC_LINK_TASK = "portal.request_magic_link"


def identifier_key(identifier: str) -> str:
    """What rate limits count: a hash of the normalised identifier, never the identifier."""
    return hashlib.sha256(_normalise_identifier(identifier).encode()).hexdigest()


def _normalise_identifier(identifier: str) -> str:
    value = identifier.strip()
    if "@" in value:
        return value.lower()
    try:
        return normalise_document(value)[1]
    except InvalidDocument:
        return value


def find_debtors(session: DbSession, identifier: str) -> list[Debtor]:
    """Debtors matching an e-mail address or a CPF/CNPJ typed on the landing page."""
    value = identifier.strip()
    if "@" in value:
        return list(
            session.scalars(
                sa.select(Debtor)
                .where(sa.func.lower(Debtor.email) == value.lower())
                .order_by(Debtor.id)
                .limit(MAX_DEBTORS_PER_EMAIL)
            )
        )
    try:
        _, document = normalise_document(value)
    except InvalidDocument:
        return []
    debtor = session.scalar(sa.select(Debtor).where(Debtor.document == document))
    return [debtor] if debtor else []


def creditors_of(session: DbSession, debtor_id: int) -> list[Creditor]:
    """Creditors with which the debtor has something open (for e-mails: names, never amounts)."""
    return list(
        session.scalars(
            sa.select(Creditor)
            .join(PendingItem, PendingItem.creditor_id == Creditor.id)
            .where(
                PendingItem.debtor_id == debtor_id,
                PendingItem.status.in_([ItemStatus.OPEN, ItemStatus.IN_AGREEMENT]),
            )
            .distinct()
            .order_by(Creditor.trade_name)
        )
    )


def _live_magic_links(session: DbSession, debtor_id: int, now: datetime) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(AccessLink)
            .where(
                AccessLink.debtor_id == debtor_id,
                AccessLink.purpose == LinkPurpose.MAGIC,
                AccessLink.used_at.is_(None),
                AccessLink.revoked_at.is_(None),
                AccessLink.expires_at > now,
            )
        )
        or 0
    )


def queue_magic_link_request(
    session: DbSession, identifier: str, *, actor: Actor, browser_nonce: str
) -> None:
    """The lookup runs in a task after the commit: the answer takes as long for anyone (A10)."""
    args = (identifier, token_hash(browser_nonce), actor.ip, actor.user_agent)
    enqueue_after_commit(session, MAGIC_LINK_TASK, *args)


def request_magic_link(
    session: DbSession,
    identifier: str,
    *,
    actor: Actor,
    browser_nonce_hash: str,
    ttl: timedelta,
    now: datetime,
) -> int:
    """Handle a self-service request (in a task); returns how many links were e-mailed.

    The page answers the same way whatever this returns (no enumeration, A10).
    """

    debtors = [d for d in find_debtors(session, identifier) if d.email and d.can_sign_in]
    sent = 0
    for debtor in debtors:
        if _live_magic_links(session, debtor.id, now) >= MAX_LIVE_MAGIC_LINKS:
            record_event(
                session,
                actor,
                "link.request_ignored",
                subject=("debtor", debtor.id),
                details={"reason": "too_many_live_links"},
            )
            continue
        token = new_magic_token()
        link = AccessLink(
            token_hash=token_hash(token),
            purpose=LinkPurpose.MAGIC,
            channel=Channel.EMAIL,
            debtor_id=debtor.id,
            browser_nonce_hash=browser_nonce_hash,
            issued_by_type=actor.type.value,
            issued_by_id=actor.id,
            created_at=now,
            expires_at=now + ttl,
        )
        session.add(link)
        session.flush()
        record_event(
            session,
            actor,
            "link.requested",
            subject=("access_link", link.id),
            details={"debtor_id": debtor.id, "purpose": "magic"},
        )
        creditors = [
            {"name": c.legal_name, "cnpj": format_cnpj(c.cnpj)}
            for c in creditors_of(session, debtor.id)
        ]
        queue_email(
            session,
            to=str(debtor.email),
            template="magic_link",
            context={
                "first_name": debtor.first_name,
                "url": magic_link_url(token),
                "ttl_minutes": int(ttl.total_seconds() // 60),
                "creditors": creditors,
            },
        )
        sent += 1
    if not debtors:
        record_event(session, actor, "link.requested", details={"matched": False})
    return sent


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


def identity_matches(debtor: Debtor, method: str, answer: str) -> bool:
    """The speed bump before any data: first 3 digits of the document, or the birth date.

    Not an authentication factor (requirements.md §0.2): it stops forwarded links and
    scanners, nothing more. Compared in constant time.
    """
    import hmac

    if method == "document":
        digits = "".join(ch for ch in answer if ch.isalnum()).upper()
        return len(digits) == 3 and hmac.compare_digest(digits, debtor.document[:3])
    if method == "birth_date" and debtor.birth_date is not None:
        try:
            given = date.fromisoformat(answer)
        except ValueError:
            return False
        return hmac.compare_digest(given.isoformat(), debtor.birth_date.isoformat())
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
    if identity_matches(link.debtor, method, answer):
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

    The token exists only in the return value: the caller shows it once or sends it.
    """
    if not 1 <= days <= max_days:
        raise ValueError(f"days must be between 1 and {max_days}")
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
