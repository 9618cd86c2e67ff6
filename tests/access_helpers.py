"""Helpers for tests of getting in: links, identity checks, codes and staff logins."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pyotp
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.core.context import SYSTEM
from portal.core.tokens import contact_hash, new_magic_token, new_reminder_token, token_hash
from portal.extensions import db
from portal.models import (
    AccessLink,
    AuditEvent,
    Channel,
    CreditorDebtor,
    LinkPurpose,
    StaffRole,
    StaffUser,
)
from portal.services.backoffice import create_staff
from tests.conftest import TEST_SECRET
from tests.factories import create_creditor, create_debtor, create_pending_item
from tests.html import csrf_token, parse_page

MAGIC_URL = re.compile(r"https://portal\.test\.example(/entrar/[A-Za-z0-9_-]{43})")
CODE = re.compile(r"\b(\d{6})\b")
STAFF_PASSWORD = "correct horse battery staple"


def debtor_with_items(**overrides: object):  # type: ignore[no-untyped-def]
    creditor = overrides.pop("creditor", None) or create_creditor()
    debtor = create_debtor(**overrides)
    create_pending_item(creditor=creditor, debtor=debtor)
    db.session.commit()
    return debtor, creditor


def magic_link(
    debtor_id: int,
    *,
    nonce: str | None = None,
    ttl: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
    email: str | None = None,
) -> str:
    """A magic link made directly (the token is never readable from the database), as if
    sent to ``email`` (default: the first e-mail a company has for the debtor)."""
    token = new_magic_token()
    now = now or datetime.now(UTC)
    if email is None:
        email = db.session.scalar(
            sa.select(CreditorDebtor.email)
            .where(CreditorDebtor.debtor_id == debtor_id, CreditorDebtor.email.is_not(None))
            .order_by(CreditorDebtor.creditor_id)
            .limit(1)
        )
    db.session.add(
        AccessLink(
            token_hash=token_hash(token),
            purpose=LinkPurpose.MAGIC,
            channel=Channel.EMAIL,
            debtor_id=debtor_id,
            browser_nonce_hash=token_hash(nonce) if nonce else None,
            contact_hash=contact_hash(email, secret=TEST_SECRET) if email else None,
            issued_by_type="debtor",
            created_at=now,
            expires_at=now + ttl,
        )
    )
    db.session.commit()
    return token


def reminder_link(
    debtor_id: int,
    creditor_id: int,
    *,
    days: int = 7,
    issued_by: tuple[str, str | None] = ("system", "cli"),
) -> str:
    """A reminder link for one company (by default issued as the CLI does; staff-issued
    links open only while their issuer is scoped to the company)."""
    token = new_reminder_token()
    now = datetime.now(UTC)
    db.session.add(
        AccessLink(
            token_hash=token_hash(token),
            purpose=LinkPurpose.REMINDER,
            channel=Channel.SMS,
            debtor_id=debtor_id,
            creditor_id=creditor_id,
            issued_by_type=issued_by[0],
            issued_by_id=issued_by[1],
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    db.session.commit()
    return token


def form_post(
    client: FlaskClient,
    page_path: str,
    data: dict[str, str],
    *,
    action: str | None = None,
    **kwargs: object,
):  # type: ignore[no-untyped-def]
    """GET the page (for its CSRF token), then POST the form like a browser would."""
    page = client.get(page_path)
    token = csrf_token(parse_page(page)) if page.mimetype == "text/html" else ""
    return client.post(action or page_path, data={"csrf_token": token, **data}, **kwargs)


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = MAGIC_URL.search(body.get_content())
    assert found, "no magic link in the e-mail"
    return found.group(1)


def code_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = CODE.search(body.get_content())
    assert found
    return found.group(1)


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/inicio")
    return response.status_code == 200


def make_staff(
    *creditors,
    role: StaffRole = StaffRole.AGENT,  # type: ignore[no-untyped-def]
    all_creditors: bool = False,
    email: str = "agente@example.com",
) -> StaffUser:
    new = create_staff(
        db.session,
        name="Agente Teste",
        email=email,
        password=STAFF_PASSWORD,
        role=role,
        creditors=list(creditors),
        all_creditors=all_creditors,
        actor=SYSTEM,
    )
    db.session.commit()
    return new.user


def staff_login(
    client: FlaskClient, user: StaffUser, *, totp: str | None = None, password: str = STAFF_PASSWORD
):  # type: ignore[no-untyped-def]
    code = pyotp.TOTP(user.totp_secret).now() if totp is None else totp
    return form_post(
        client, "/atendimento/entrar", {"email": user.email, "password": password, "totp": code}
    )


def sign_in_by_email(client: FlaskClient, debtor_id: int, email: str | None = None) -> None:
    """Sign in with a magic link sent to ``email`` (from the browser that asked for it): the
    session proves every company whose relationship holds that address."""
    client.get("/")
    nonce = "m" * 32
    client.set_cookie("link_nonce", nonce, path="/entrar")
    token = magic_link(debtor_id, nonce=nonce, email=email)
    page = parse_page(client.get(f"/entrar/{token}"))
    response = client.post(f"/entrar/{token}", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303, response.status_code
