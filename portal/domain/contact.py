"""A company's support channels as debtors see them: phone, WhatsApp, e-mail and hours.

Phones a Brazilian company publishes come in three shapes, each stored in one form:

* with area code (landline or mobile): E.164, ``+551130000000`` / ``+5511987654321``;
* toll-free and special services ``0800``, ``0300``, ``0500``, ``0900`` + 7 digits: the 11
  digits, ``08007270000``;
* single national numbers ``3003``, ``4003``, ``4004``, ``4020``… + 4 digits: the 8 digits,
  ``40040001``.

WhatsApp needs a mobile with area code (``+55`` + area code + 9 + 8 digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HOURS = 120
MAX_EMAIL = 254
_E164 = re.compile(r"\+55(\d{2})(\d{4,5})(\d{4})")
_MOBILE = re.compile(r"\+55\d{2}9\d{8}")
_TOLL_FREE = re.compile(r"0[3589]00\d{7}")
_NATIONAL = re.compile(r"[34]00\d\d{4}")
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}")


class ContactInvalid(ValueError):
    """A channel that cannot be published as given; ``field`` says which one."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def normalise_support_phone(raw: str) -> str:
    """The stored form of a published phone number; ``ContactInvalid("phone")`` otherwise."""
    digits = re.sub(r"\D", "", raw)
    if _TOLL_FREE.fullmatch(digits) or _NATIONAL.fullmatch(digits):
        return digits
    if not raw.strip().startswith("+") and len(digits) in (10, 11):
        digits = "55" + digits
    value = "+" + digits
    if not _E164.fullmatch(value):
        raise ContactInvalid("phone")
    return value


def normalise_whatsapp(raw: str) -> str:
    """A WhatsApp number: a Brazilian mobile in E.164; ``ContactInvalid("whatsapp")``."""
    try:
        value = normalise_support_phone(raw)
    except ContactInvalid:
        raise ContactInvalid("whatsapp") from None
    if not _MOBILE.fullmatch(value):
        raise ContactInvalid("whatsapp")
    return value


def normalise_support_email(raw: str) -> str:
    value = raw.strip()
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        raise ContactInvalid("email")
    return value.lower()


def normalise_hours(raw: str) -> str:
    """Opening hours as one line of free text (``Seg. a sex., 8h às 20h``)."""
    value = " ".join(raw.split())
    if len(value) > MAX_HOURS:
        raise ContactInvalid("hours")
    return value


def format_phone(stored: str) -> str:
    """``+5511987654321`` → ``(11) 98765-4321``, ``08007270000`` → ``0800 727 0000``,
    ``40040001`` → ``4004-0001``; anything else as it is."""
    match = _E164.fullmatch(stored)
    if match:
        return f"({match[1]}) {match[2]}-{match[3]}"
    if _TOLL_FREE.fullmatch(stored):
        return f"{stored[:4]} {stored[4:7]} {stored[7:]}"
    if _NATIONAL.fullmatch(stored):
        return f"{stored[:4]}-{stored[4:]}"
    return stored


def tel_uri(stored: str) -> str:
    """A ``tel:`` link target (RFC 3966) for a stored phone."""
    return "tel:" + stored


def whatsapp_uri(stored: str) -> str:
    """The click-to-chat address of a stored WhatsApp number (digits, no ``+``)."""
    return "https://wa.me/" + stored.lstrip("+")


@dataclass(frozen=True, slots=True)
class SupportChannels:
    phone: str | None
    whatsapp: str | None
    email: str | None
    hours: str | None

    @property
    def any(self) -> bool:
        return bool(self.phone or self.whatsapp or self.email)


def support_channels(
    *, phone: str, whatsapp: str, email: str, hours: str
) -> tuple[SupportChannels | None, tuple[str, ...]]:
    """Checked channels from a form (blank = not published), or the invalid fields' names.

    Hours alone are not a channel: they need a phone, WhatsApp or e-mail to go with them."""
    invalid: list[str] = []
    values: dict[str, str | None] = {}
    checks = (
        ("phone", phone, normalise_support_phone),
        ("whatsapp", whatsapp, normalise_whatsapp),
        ("email", email, normalise_support_email),
        ("hours", hours, normalise_hours),
    )
    for name, raw, check in checks:
        values[name] = None
        if raw.strip():
            try:
                values[name] = check(raw)
            except ContactInvalid as error:
                invalid.append(error.field)
    channels = SupportChannels(**values)
    if not invalid and channels.hours and not channels.any:
        invalid.append("hours_alone")
    if invalid:
        return None, tuple(invalid)
    return channels, ()
