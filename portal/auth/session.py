"""Sessions for debtors and staff, enforced on the server (requirements.md §B).

Flask keeps the session in a signed cookie. On top of it:

* ``log_in`` clears whatever the browser brought (session fixation), stores a fresh random
  session id, the login time and the principal's ``session_version``;
* every request checks the idle and absolute timeouts and that the stored version still
  equals the one in the database; ``log_out`` (and blocking a debtor, and a staff member's
  lock-out) bumps the version, so an old cookie replayed later is refused;
* a debtor session carries the companies the person has proved (``proved``) and the links
  that opened it (``links``); every request checks in the database that none of those
  links was revoked, so cancelling a link ends the sessions it opened at once, on every
  app server (``portal.services.access.proofs`` says which proof opens what);
* the cookie is ``__Host-session`` (Secure, HttpOnly, SameSite=Lax, Path=/) outside
  development, plain ``session`` over http in development.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, session
from flask_login import AnonymousUserMixin, current_user, login_user, logout_user

from portal.extensions import db, login_manager

DEBTOR = "debtor"
STAFF = "staff"


@dataclass(frozen=True)
class Principal:
    """What Flask-Login keeps as ``current_user``: a debtor or a staff member."""

    kind: str
    id: int
    model: Any

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_debtor(self) -> bool:
        return self.kind == DEBTOR

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF


class Anonymous(AnonymousUserMixin):
    is_debtor = False
    is_staff = False


def _model_for(kind: str) -> Any:
    from portal.models import Debtor, StaffUser

    return {DEBTOR: Debtor, STAFF: StaffUser}.get(kind)


def _limits(kind: str) -> tuple[int, int]:
    config = current_app.config
    if kind == STAFF:
        return config["STAFF_IDLE_MINUTES"] * 60, config["STAFF_ABSOLUTE_MINUTES"] * 60
    return config["DEBTOR_IDLE_MINUTES"] * 60, config["DEBTOR_ABSOLUTE_MINUTES"] * 60


def _load(user_id: str) -> Principal | None:
    kind, _, raw_id = user_id.partition(":")
    model = _model_for(kind)
    if model is None or not raw_id.isdigit():
        return None
    revoked: bool | None = None
    if kind == DEBTOR:
        # One round trip: the debtor's row and whether a link of this session was revoked.
        found = db.session.execute(
            sa.select(model, _revoked_link()).where(model.id == int(raw_id))
        ).first()
        row, revoked = (None, None) if found is None else (found[0], bool(found[1]))
    else:
        row = db.session.get(model, int(raw_id))
    if row is None or row.session_version != session.get("sv"):
        return None
    if not row.can_sign_in:
        return None
    if kind == DEBTOR and ("proved" not in session or revoked):
        # A session from before proofs existed signs in again; a revoked link ends it.
        session.clear()
        g.session_expired = True
        return None
    return Principal(kind, row.id, row)


def _revoked_link() -> sa.ColumnElement[bool]:
    """Whether any link that opened or widened this debtor session was revoked since: a
    debtor session stands only while every one of them stands."""
    links = [int(i) for i in session.get("links", [])]
    if not links:
        return sa.false()
    from portal.models import AccessLink

    return (
        sa.select(AccessLink.id)
        .where(AccessLink.id.in_(links), AccessLink.revoked_at.is_not(None))
        .exists()
    )


def _check_timeouts() -> None:
    """Expire the session on the server before Flask-Login loads the user."""
    user_id = session.get("_user_id")
    if not user_id:
        return
    now = int(time.time())
    idle, absolute = _limits(str(user_id).partition(":")[0])
    started, last = session.get("iat", 0), session.get("last", 0)
    if now - started > absolute or now - last > idle:
        session.clear()
        g.session_expired = True
        return
    session["last"] = now


def log_in(kind: str, row: Any, *, method: str) -> None:
    """Start a new session for a debtor or staff member (rotates everything)."""
    session.clear()
    now = int(time.time())
    session["sid"] = secrets.token_urlsafe(24)
    session["iat"] = now
    session["last"] = now
    session["sv"] = row.session_version
    session["auth"] = method
    if kind == DEBTOR:
        session["proved"] = []
    session.permanent = False
    login_user(Principal(kind, row.id, row))


def log_out() -> None:
    """End this session and every other session of the same principal."""
    if current_user.is_authenticated:
        current_user.model.session_version += 1
    logout_user()
    session.clear()


def session_id_hash() -> str:
    """SHA-256 of the random session id: recorded as evidence, never the id itself."""
    return hashlib.sha256(str(session.get("sid", "")).encode()).hexdigest()


def grant(creditor_ids: Iterable[int], *, link_id: int | None = None) -> None:
    """Add proved companies to this debtor session (and the link that proved them)."""
    session["proved"] = sorted({*session.get("proved", []), *creditor_ids})
    if link_id is not None:
        session["links"] = sorted({*session.get("links", []), link_id})


def proved_creditor_ids() -> frozenset[int]:
    """The companies this debtor session may show; nothing else exists for it."""
    return frozenset(int(i) for i in session.get("proved", []))


def init_sessions(app: Flask) -> None:
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    app.config["SESSION_COOKIE_NAME"] = "__Host-session" if secure else "session"
    app.config["SESSION_COOKIE_PATH"] = "/"
    app.config["SESSION_COOKIE_DOMAIN"] = None
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_DURATION"] = 0
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.user_loader(_load)
    login_manager.session_protection = None  # our own checks are stricter
    app.before_request(_check_timeouts)
