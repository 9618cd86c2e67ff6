"""Self-service magic links: who a typed e-mail or CPF reaches, and the e-mail with the link.

Nobody learns anything from this page (the caller answers the same way whatever happens,
A10), and each link proves only the companies holding the address it was sent to.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.after_commit import enqueue_after_commit
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.core.tokens import contact_hash, magic_link_url, new_magic_token, token_hash
from portal.domain.documents import InvalidDocument, format_cnpj, normalise_document
from portal.models import (
    AccessLink,
    Channel,
    Creditor,
    CreditorDebtor,
    Debtor,
    ItemStatus,
    LinkPurpose,
    PendingItem,
    normalise_email,
)
from portal.services.access.proofs import holding_contact
from portal.services.notify import queue_email

MAX_LIVE_MAGIC_LINKS = 3  # per address, requirements.md A7
MAX_DEBTORS_PER_EMAIL = 3

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


def _email_or_none(value: str) -> str | None:
    try:
        return normalise_email(value)
    except ValueError:
        return None


def find_debtors(session: DbSession, identifier: str) -> list[Debtor]:
    """Debtors matching an e-mail address (as some company has it) or a CPF/CNPJ."""
    value = identifier.strip()
    if "@" in value:
        return [debtor for debtor, _email in magic_link_targets(session, value)]
    try:
        _, document = normalise_document(value)
    except InvalidDocument:
        return []
    debtor = session.scalar(sa.select(Debtor).where(Debtor.document == document))
    return [debtor] if debtor else []


def magic_link_targets(session: DbSession, identifier: str) -> list[tuple[Debtor, str]]:
    """Where magic links go for what was typed on the landing page: (debtor, e-mail) pairs.

    An e-mail address reaches the people some company knows by it; a CPF/CNPJ reaches each
    distinct address the person's companies have on file. Each link proves only the
    companies holding the address it goes to, so nobody learns of another company's
    relationship by typing a CPF.
    """
    value = identifier.strip()
    if "@" in value:
        email = _email_or_none(value)
        if email is None:
            return []
        debtor_ids = list(
            session.scalars(
                sa.select(CreditorDebtor.debtor_id)
                .where(CreditorDebtor.email == email)
                .distinct()
                .order_by(CreditorDebtor.debtor_id)
                .limit(MAX_DEBTORS_PER_EMAIL)
            )
        )
        debtors = session.scalars(sa.select(Debtor).where(Debtor.id.in_(debtor_ids)))
        return [(debtor, email) for debtor in sorted(debtors, key=lambda d: d.id)]
    try:
        _, document = normalise_document(value)
    except InvalidDocument:
        return []
    debtor = session.scalar(sa.select(Debtor).where(Debtor.document == document))
    if debtor is None:
        return []
    emails = session.scalars(
        sa.select(CreditorDebtor.email)
        .where(CreditorDebtor.debtor_id == debtor.id, CreditorDebtor.email.is_not(None))
        .distinct()
        .order_by(CreditorDebtor.email)
        .limit(MAX_DEBTORS_PER_EMAIL)
    )
    return [(debtor, str(email)) for email in emails]


def creditors_of(session: DbSession, debtor_id: int, creditor_ids: set[int]) -> list[Creditor]:
    """Which of ``creditor_ids`` the debtor has something open with (names, never amounts)."""
    return list(
        session.scalars(
            sa.select(Creditor)
            .join(PendingItem, PendingItem.creditor_id == Creditor.id)
            .where(
                PendingItem.debtor_id == debtor_id,
                PendingItem.creditor_id.in_(creditor_ids or {-1}),
                PendingItem.status.in_([ItemStatus.OPEN, ItemStatus.IN_AGREEMENT]),
            )
            .distinct()
            .order_by(Creditor.trade_name)
        )
    )


def _live_magic_links(session: DbSession, debtor_id: int, hashed: str, now: datetime) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(AccessLink)
            .where(
                AccessLink.debtor_id == debtor_id,
                AccessLink.contact_hash == hashed,
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

    targets = [(d, e) for d, e in magic_link_targets(session, identifier) if d.can_sign_in]
    sent = 0
    for debtor, email in targets:
        hashed = contact_hash(email)
        if _live_magic_links(session, debtor.id, hashed, now) >= MAX_LIVE_MAGIC_LINKS:
            record_event(
                session,
                actor,
                "link.request_ignored",
                subject=("debtor", debtor.id),
                details={"reason": "too_many_live_links"},
            )
            continue
        holders = holding_contact(session, debtor.id, Channel.EMAIL, hashed)
        token = new_magic_token()
        link = AccessLink(
            token_hash=token_hash(token),
            purpose=LinkPurpose.MAGIC,
            channel=Channel.EMAIL,
            debtor_id=debtor.id,
            browser_nonce_hash=browser_nonce_hash,
            contact_hash=hashed,
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
            for c in creditors_of(session, debtor.id, {h.creditor_id for h in holders})
        ]
        queue_email(
            session,
            to=email,
            template="magic_link",
            context={
                "first_name": holders[0].first_name if holders else "",
                "url": magic_link_url(token),
                "ttl_minutes": int(ttl.total_seconds() // 60),
                "creditors": creditors,
            },
        )
        sent += 1
    if not targets:
        record_event(session, actor, "link.requested", details={"matched": False})
    return sent
