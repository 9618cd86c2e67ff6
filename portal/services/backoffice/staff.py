"""Staff accounts (argon2 password + TOTP) and what a staff member may see (tenant scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.documents import InvalidDocument, normalise_document
from portal.domain.search import QueryKind, SearchQuery, escape_like, parse_query
from portal.models import (
    Creditor,
    CreditorDebtor,
    Debtor,
    PendingItem,
    StaffRole,
    StaffUser,
    normalise_email,
)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
SEARCH_LIMIT = 50

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


class StaffError(ValueError):
    """An invalid staff account definition."""


@dataclass(frozen=True)
class NewStaff:
    user: StaffUser
    totp_uri: str


def create_staff(
    session: DbSession,
    *,
    name: str,
    email: str,
    password: str,
    role: StaffRole,
    creditors: list[Creditor],
    all_creditors: bool,
    actor: Actor,
) -> NewStaff:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if not all_creditors and not creditors:
        raise StaffError("give at least one creditor, or all creditors")
    email = email.strip().lower()
    if session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email)):
        raise StaffError("a staff member with this e-mail already exists")
    secret = pyotp.random_base32()
    user = StaffUser(
        name=name.strip(),
        email=email,
        password_hash=_hasher.hash(password),
        totp_secret=secret,
        role=role.value,
        all_creditors=all_creditors,
        creditors=list(creditors),
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor,
        "staff.created",
        subject=("staff", user.id),
        details={
            "role": role.value,
            "all_creditors": all_creditors,
            "creditor_ids": [c.id for c in creditors],
        },
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Portal de Acordos")
    return NewStaff(user, uri)


def _totp_step(user: StaffUser, code: str, now: datetime) -> int | None:
    """The time step the code belongs to (±1 step of clock drift), or None."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(user.totp_secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def authenticate_staff(
    session: DbSession,
    email: str,
    password: str,
    totp_code: str,
    *,
    actor: Actor,
    now: datetime,
) -> StaffUser | None:
    """Password and TOTP, both required; lock-out after repeated failures; no code replay.

    The password hash is checked whatever the account's state (unknown, inactive, locked),
    so every answer costs the same and timing tells nothing about the account (issue 12).
    """
    user = session.scalar(
        sa.select(StaffUser).where(StaffUser.email == email.strip().lower()).with_for_update()
    )
    if user is None:
        _password_matches(_DUMMY_HASH, password + "x")  # same cost as a real check
        record_event(session, actor, "staff.login_failed", details={"why": "unknown"})
        return None
    why = None
    password_ok = _password_matches(user.password_hash, password)
    if not user.is_active:
        why = "inactive"
    elif user.locked_until is not None and user.locked_until > now:
        why = "locked"
    elif not password_ok:
        why = "password"
    else:
        step = _totp_step(user, totp_code.strip(), now)
        if step is None:
            why = "totp"
        elif user.last_totp_step is not None and step <= user.last_totp_step:
            why = "totp_replay"
        else:
            user.last_totp_step = step
    if why is not None:
        if why in {"password", "totp", "totp_replay"}:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
                user.session_version += 1
                record_event(session, actor, "staff.locked", subject=("staff", user.id))
        record_event(
            session, actor, "staff.login_failed", subject=("staff", user.id), details={"why": why}
        )
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    record_event(session, actor, "staff.login", subject=("staff", user.id))
    return user


def _scope_filter(staff: StaffUser) -> sa.ColumnElement[bool]:
    """Debtors who owe at least one creditor in the staff member's scope, or whom one of
    those creditors has sent (an API push without items yet)."""
    scope = staff.scope_ids()
    owes = PendingItem.debtor_id == Debtor.id
    known = CreditorDebtor.debtor_id == Debtor.id
    if scope is not None:
        owes = sa.and_(owes, PendingItem.creditor_id.in_(scope or {-1}))
        known = sa.and_(known, CreditorDebtor.creditor_id.in_(scope or {-1}))
    return sa.or_(
        sa.exists(sa.select(PendingItem.id).where(owes)),
        sa.exists(sa.select(CreditorDebtor.debtor_id).where(known)),
    )


@dataclass(frozen=True)
class FoundDebtor:
    """A search result: the name is one the staff member's own companies have on file."""

    id: int
    name: str
    document: str


def _relationship_scope(staff: StaffUser) -> sa.ColumnElement[bool]:
    scope = staff.scope_ids()
    return sa.true() if scope is None else CreditorDebtor.creditor_id.in_(scope or {-1})


def _match(query: SearchQuery) -> sa.ColumnElement[bool] | None:
    if query.kind is QueryKind.EMAIL:
        try:
            return CreditorDebtor.email == normalise_email(query.text)
        except ValueError:
            return None
    if query.kind is QueryKind.DIGITS:
        part = f"%{escape_like(query.text)}%"
        return sa.or_(
            Debtor.document.like(part, escape="\\"),
            CreditorDebtor.phone.like(part, escape="\\"),
        )
    if query.kind is QueryKind.NAME:
        return sa.and_(
            *(
                CreditorDebtor.search_name.like(f"%{escape_like(word)}%", escape="\\")
                for word in query.words
            )
        )
    return None


def search_debtors(
    session: DbSession, staff: StaffUser, query: str, *, creditor_id: int | None = None
) -> list[FoundDebtor]:
    """By e-mail (exact), digits (part of the CPF/CNPJ or of a phone number, 4+ digits) or
    name (every word, 3+ letters, ignoring accents and case), within scope.

    Contact data (name, e-mail, phone) is matched against what the staff member's companies
    have on file, never against what another company sent. Debtors a company pushed
    without items are found too. ``creditor_id`` narrows to one company (within scope).
    """
    parsed = parse_query(query)
    condition = _match(parsed)
    if parsed.kind is QueryKind.NAME:
        try:  # an alphanumeric CNPJ, with or without its punctuation
            _, document = normalise_document(query)
        except InvalidDocument:
            pass
        else:
            condition = Debtor.document == document
    if condition is None:
        return []
    statement = (
        sa.select(Debtor.id, CreditorDebtor.name, Debtor.document)
        .join(CreditorDebtor, CreditorDebtor.debtor_id == Debtor.id)
        .where(_relationship_scope(staff), condition)
    )
    if creditor_id is not None:
        statement = statement.where(CreditorDebtor.creditor_id == creditor_id)
    rows = session.execute(
        statement.order_by(CreditorDebtor.search_name, Debtor.id, CreditorDebtor.creditor_id).limit(
            SEARCH_LIMIT
        )
    )
    found: dict[int, FoundDebtor] = {}
    for debtor_id, name, document in rows:
        found.setdefault(debtor_id, FoundDebtor(debtor_id, name, document))
    return list(found.values())


def contacts_in_scope(session: DbSession, staff: StaffUser, debtor_id: int) -> list[CreditorDebtor]:
    """The person as each of the staff member's companies knows them, by company name."""
    return list(
        session.scalars(
            sa.select(CreditorDebtor)
            .join(Creditor, Creditor.id == CreditorDebtor.creditor_id)
            .where(CreditorDebtor.debtor_id == debtor_id, _relationship_scope(staff))
            .order_by(Creditor.trade_name, Creditor.id)
        )
    )


def debtor_in_scope(session: DbSession, staff: StaffUser, debtor_id: int) -> Debtor | None:
    """The debtor, or None when they owe nothing to the staff member's creditors (→ 404)."""
    return session.scalar(sa.select(Debtor).where(Debtor.id == debtor_id, _scope_filter(staff)))


def creditors_for(session: DbSession, staff: StaffUser, debtor_id: int) -> list[Creditor]:
    """Creditors in scope with which this debtor has items."""
    statement = (
        sa.select(Creditor)
        .join(PendingItem, PendingItem.creditor_id == Creditor.id)
        .where(PendingItem.debtor_id == debtor_id)
        .distinct()
        .order_by(Creditor.trade_name)
    )
    scope = staff.scope_ids()
    if scope is not None:
        statement = statement.where(Creditor.id.in_(scope or {-1}))
    return list(session.scalars(statement))
