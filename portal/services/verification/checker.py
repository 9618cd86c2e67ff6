"""The genuine-code checker behind ``/verificar``: a person pastes a document code, a Pix
"copia e cola" or the text of a message they received, and learns whether this portal issued
it, for which company, for how much and in which state.

It reads only, never says anything about the person (no name, no document, no contact), and
treats a link to any other host as not ours: the commonest scam is a look-alike address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Literal
from urllib.parse import urlsplit

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.tokens import MAGIC_TOKEN, REMINDER_TOKEN, token_hash
from portal.domain.agreements import OPEN_STATES
from portal.domain.pix import InvalidBRCode, parse_brcode
from portal.models import AccessLink, Creditor, Payment
from portal.services.documents import normalise_code

MAX_TEXT = 2_000
MAX_LINKS = 10  # links looked at in one message (each may cost a query)
_URL = re.compile(
    r"https?://[^\s<>\"']+"  # a full address
    r"|[\w-]+(?:\.[\w-]+)+(?::\d+)?/[^\s<>\"']*"  # bit.ly/xyz, portal.example/a/...
    r"|/(?:a|entrar)/[\w-]+",  # a bare path
    re.IGNORECASE,
)
_LINK_PATH = re.compile(r"^/(a|entrar)/([\w-]+)/?$")
_BRCODE_START = re.compile(r"000201")
_BRCODE_END = re.compile(r"6304[0-9A-Fa-f]{4}")

PixState = Literal["payable", "paid", "withdrawn", "replaced", "expired"]
LinkState = Literal["active", "expired", "used", "closed", "unknown"]


@dataclass(frozen=True, slots=True)
class PixFinding:
    creditor_legal_name: str
    creditor_cnpj: str
    amount_cents: int
    state: PixState


@dataclass(frozen=True, slots=True)
class LinkFinding:
    """``ours`` is False for a link to another address, whatever it looks like. On our own
    address, an access path whose token we never issued has ``state == "unknown"``."""

    ours: bool
    host: str
    creditor_legal_name: str | None = None
    creditor_cnpj: str | None = None
    state: LinkState | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """What the pasted text turned out to be. ``kind`` is ``document`` (see ``code``),
    ``pix``, ``link``, ``unknown_pix`` (a valid Pix code we did not issue) or ``nothing``."""

    kind: Literal["document", "pix", "link", "unknown_pix", "nothing"]
    code: str | None = None
    pix: PixFinding | None = None
    link: LinkFinding | None = None


def check_text(session: DbSession, text: str, *, our_host: str, now: datetime) -> Finding:
    text = text[:MAX_TEXT].strip()
    brcode = _find_brcode(text)
    if brcode is not None:
        return _check_pix(session, brcode, now)
    link = _best_link(session, text, our_host, now)
    if link is not None:
        return Finding("link", link=link)
    code = normalise_code(text)
    if code is not None:
        return Finding("document", code=code)
    return Finding("nothing")


def _find_brcode(text: str) -> str | None:
    """The first well-formed BR Code in the text. It may hold spaces (the receiver's name), so
    it runs from ``000201`` to a CRC field (``6304`` and 4 hex digits) that checks out."""
    flat = text.replace("\r", "").replace("\n", "")
    for start in _BRCODE_START.finditer(flat):
        for end in _BRCODE_END.finditer(flat, start.start()):
            candidate = flat[start.start() : end.end()]
            try:
                parse_brcode(candidate)
            except InvalidBRCode:
                continue
            return candidate
    return None


def _best_link(session: DbSession, text: str, our_host: str, now: datetime) -> LinkFinding | None:
    """What the message's links say, most important first: a link to another address (the
    warning wins even beside a genuine link), then one of our access links, then an access
    path on our address that we never issued. Other pages of ours say nothing either way."""
    findings = [
        found
        for url in islice(_URL.finditer(text), MAX_LINKS)
        if (found := _check_link(session, url.group(0).rstrip(".,;:!?)"), our_host, now))
    ]
    foreign = [f for f in findings if not f.ours]
    issued = [f for f in findings if f.ours and f.state != "unknown"]
    return next(iter(foreign + issued + findings), None)


def _check_pix(session: DbSession, payload: str, now: datetime) -> Finding:
    payment = session.scalar(sa.select(Payment).where(Payment.pix_payload == payload).limit(1))
    if payment is None:
        return Finding("unknown_pix")
    agreement = payment.agreement
    creditor = agreement.creditor
    state: PixState
    if payment.status in ("succeeded", "refunded"):
        state = "paid"
    elif agreement.lifecycle_state not in OPEN_STATES:
        state = "withdrawn"
    elif payment.status == "canceled":  # a newer attempt replaced it
        state = "replaced"
    elif payment.status == "expired" or (payment.expires_at and payment.expires_at <= now):
        state = "expired"
    else:
        state = "payable"
    return Finding(
        "pix",
        pix=PixFinding(creditor.legal_name, creditor.cnpj_formatted, payment.amount_cents, state),
    )


def _check_link(session: DbSession, raw: str, our_host: str, now: datetime) -> LinkFinding | None:
    try:
        parts = urlsplit(raw if "://" in raw or raw.startswith("/") else f"https://{raw}")
        host = (parts.hostname or our_host).lower()
    except ValueError:  # e.g. "http://[broken"
        return None
    if host != our_host.lower():
        return LinkFinding(ours=False, host=host)
    path = _LINK_PATH.match(parts.path)
    if path is None:
        return None  # another page of ours: neither an access link nor a look-alike
    kind, token = path.groups()
    shape = REMINDER_TOKEN if kind == "a" else MAGIC_TOKEN
    link = (
        session.scalar(sa.select(AccessLink).where(AccessLink.token_hash == token_hash(token)))
        if shape.fullmatch(token)
        else None
    )
    if link is None:
        return LinkFinding(ours=True, host=host, state="unknown")
    creditor: Creditor | None = link.creditor
    status = link.status(now)
    state: LinkState = (
        "active"
        if status == "active"
        else "expired"
        if status == "expired"
        else "used"
        if status == "used"
        else "closed"
    )
    return LinkFinding(
        ours=True,
        host=host,
        creditor_legal_name=creditor.legal_name if creditor else None,
        creditor_cnpj=creditor.cnpj_formatted if creditor else None,
        state=state,
        expires_at=link.expires_at,
    )
