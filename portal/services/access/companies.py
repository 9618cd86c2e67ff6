"""What a signed-in person does with their companies: add one to the session by a code sent
to the contact that company has on file, and change the contact data a company has.

Adding a company must not tell anyone whether the person owes it: a session opened with one
company's link could otherwise probe every other company. The person types the company's
CNPJ (no list of companies is ever shown). When no company in the portal has that CNPJ, or it
does not know this person, or has no contact for them, the page looks the same: a masked
address is shown (a decoy derived from a keyed hash, stable for the pair, so asking twice
shows the same) and no code can ever match. The decoy is never sent anything.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.models import Channel, CodePurpose, Creditor, CreditorDebtor, OneTimeCode
from portal.services.access.codes import (
    available_channels,
    masked_destination,
    send_code,
    verify_code,
)
from portal.services.access.proofs import holding_contact, relationship

_DECOY_DOMAINS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br", "uol.com.br")
_DECOY_LETTERS = "abcdefghijlmnoprstv"


@dataclass(frozen=True)
class CompanyChallenge:
    cnpj: str
    creditor_id: int | None  # None: no company with this CNPJ, or one that does not know them
    code_id: int | None  # None: nothing was sent, no code will match
    masked: str


def decoy_mask(debtor_id: int, cnpj: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"decoy:{debtor_id}:{cnpj}".encode(), hashlib.sha256).digest()
    letter = _DECOY_LETTERS[digest[0] % len(_DECOY_LETTERS)]
    return f"{letter}***@{_DECOY_DOMAINS[digest[1] % len(_DECOY_DOMAINS)]}"


def challenge_company(
    session: DbSession,
    debtor_id: int,
    cnpj: str,
    *,
    text_messages: bool,
    ttl: timedelta,
    actor: Actor,
    now: datetime,
) -> CompanyChallenge:
    """Send a code to the contact the company with ``cnpj`` has for the person, if any."""
    creditor = session.scalar(sa.select(Creditor).where(Creditor.cnpj == cnpj))
    rel = relationship(session, creditor.id, debtor_id) if creditor is not None else None
    channels = available_channels(rel, text_messages=text_messages)
    if creditor is None or rel is None or not channels:
        # No subject: no company's staff sees that the person asked (audit only).
        record_event(
            session, actor, "company.challenge", details={"debtor_id": debtor_id, "matched": False}
        )
        return CompanyChallenge(cnpj, None, None, decoy_mask(debtor_id, cnpj))
    code = send_code(
        session,
        rel,
        purpose=CodePurpose.COMPANY,
        channel=channels[0],
        ttl=ttl,
        actor=actor,
        now=now,
        message={"creditor": creditor.legal_name, "creditor_cnpj": creditor.cnpj_formatted},
    )
    return CompanyChallenge(cnpj, creditor.id, code.id, masked_destination(rel, channels[0]))


def prove_company(
    session: DbSession,
    debtor_id: int,
    challenge: CompanyChallenge,
    guess: str,
    *,
    actor: Actor,
    now: datetime,
) -> list[int]:
    """The companies a right code proves (every one holding that contact); [] otherwise."""
    if challenge.code_id is None or challenge.creditor_id is None:
        record_event(
            session, actor, "code.failed", details={"debtor_id": debtor_id, "why": "unusable"}
        )
        return []
    if not verify_code(
        session,
        challenge.code_id,
        debtor_id,
        guess,
        purpose=CodePurpose.COMPANY,
        actor=actor,
        now=now,
        creditor_id=challenge.creditor_id,
    ):
        return []
    code = session.get_one(OneTimeCode, challenge.code_id)
    holders = holding_contact(session, debtor_id, Channel(code.channel), code.contact_hash)
    proved = sorted({rel.creditor_id for rel in holders} | {challenge.creditor_id})
    record_event(
        session,
        actor,
        "session.companies_added",
        subject=("debtor", debtor_id),
        creditor_id=challenge.creditor_id,
        details={"creditor_ids": proved},
    )
    return proved


def change_contact(
    session: DbSession,
    rel: CreditorDebtor,
    *,
    email: str | None,
    phone: str | None,
    actor: Actor,
) -> bool:
    """Change the e-mail and phone one company has for the person (after a step-up code).

    Only that company's relationship changes; the old e-mail is told. Values are validated
    by the model (``ValueError`` when invalid). Returns whether anything changed.
    """
    from portal.services.notify import queue_email

    old_email = rel.email
    before = (rel.email, rel.phone)
    rel.email = email
    rel.phone = phone
    changed = (rel.email, rel.phone) != before
    if not changed:
        return False
    session.flush()
    record_event(
        session,
        actor,
        "contact.changed",
        subject=("debtor", rel.debtor_id),
        creditor_id=rel.creditor_id,
        details={
            "email_changed": rel.email != before[0],
            "phone_changed": rel.phone != before[1],
        },
    )
    for address in {old_email, rel.email} - {None}:
        queue_email(
            session,
            to=str(address),
            template="contact_changed",
            context={
                "first_name": rel.first_name,
                "creditor": rel.creditor.legal_name,
                "creditor_cnpj": rel.creditor.cnpj_formatted,
            },
        )
    return True
