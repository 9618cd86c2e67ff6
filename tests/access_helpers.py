"""Helpers for tests of getting in: links, identity checks, codes and staff logins."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pyotp
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.core.context import SYSTEM
from portal.core.tokens import new_magic_token, new_reminder_token, token_hash
from portal.extensions import db
from portal.models import AccessLink, AuditEvent, Channel, LinkPurpose, StaffRole, StaffUser
from portal.services.backoffice import create_staff
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
) -> str:
    """A magic link made directly (the token is never readable from the database)."""
    token = new_magic_token()
    now = now or datetime.now(UTC)
    db.session.add(
        AccessLink(
            token_hash=token_hash(token),
            purpose=LinkPurpose.MAGIC,
            channel=Channel.EMAIL,
            debtor_id=debtor_id,
            browser_nonce_hash=token_hash(nonce) if nonce else None,
            issued_by_type="debtor",
            created_at=now,
            expires_at=now + ttl,
        )
    )
    db.session.commit()
    return token


def reminder_link(debtor_id: int, creditor_id: int, *, days: int = 7) -> str:
    token = new_reminder_token()
    now = datetime.now(UTC)
    db.session.add(
        AccessLink(
            token_hash=token_hash(token),
            purpose=LinkPurpose.REMINDER,
            channel=Channel.SMS,
            debtor_id=debtor_id,
            creditor_id=creditor_id,
            issued_by_type="staff",
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
