"""Secrets that travel in links and messages, and the hashes we keep of them.

* Magic links: 256 bits (``secrets.token_urlsafe(32)``, 43 characters).
* Reminder links: 22 base64url characters drawn one by one, 132 bits, so the path
  ``/a/<token>`` is 25 characters and fits an SMS.
* One-time codes: 6 digits; stored as an HMAC keyed with the app secret, because a plain
  hash of a 6-digit code is reversed in a millisecond.

Only SHA-256 hashes of link tokens are stored (requirements.md A1–A2): the database holds
nothing that opens a link.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

from flask import current_app

BASE64URL = string.ascii_letters + string.digits + "-_"
REMINDER_TOKEN_LENGTH = 22
REMINDER_TOKEN_BYTES = 17  # 136 bits: 22 full base64 characters and 4 bits left over
MAGIC_TOKEN_BYTES = 32
MAGIC_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
REMINDER_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def new_magic_token() -> str:
    return secrets.token_urlsafe(MAGIC_TOKEN_BYTES)


def new_reminder_token() -> str:
    """22 characters each drawn uniformly from the 64 of base64url: the first 22 of 17
    random bytes in base64url (6 random bits a character, the same draw as 22
    ``secrets.choice(BASE64URL)`` at a twentieth of the cost: bulk jobs issue thousands)."""
    return secrets.token_urlsafe(REMINDER_TOKEN_BYTES)[:REMINDER_TOKEN_LENGTH]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(code_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"otp:{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def codes_match(code_id: int, guess: str, stored: str) -> bool:
    return hmac.compare_digest(code_hash(code_id, guess), stored)


def contact_hash(contact: str, *, secret: str | None = None) -> str:
    """What links and codes keep of the e-mail or phone they were sent to (keyed, so a copy of
    the database does not confirm a guessed address). ``contact`` is already normalised."""
    key = (secret or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"contact:{contact}".encode(), hashlib.sha256).hexdigest()


def new_browser_nonce() -> str:
    return secrets.token_urlsafe(24)


def magic_link_url(token: str) -> str:
    """Built from BASE_URL, never from the request's Host header (requirements.md A12)."""
    return f"{current_app.config['BASE_URL']}/entrar/{token}"


def reminder_link_url(token: str) -> str:
    return f"{current_app.config['BASE_URL']}/a/{token}"


# --- company API keys (security: only their SHA-256 is stored) ------------------------------

KEY_PREFIX = "dpk_"
PREFIX_LENGTH = 12


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: ``(secret, prefix, sha256 hex)``. The secret is never stored."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[:PREFIX_LENGTH], hash_key(secret)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
