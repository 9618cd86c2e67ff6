"""The rules of /api/v1 as regular expressions, stated in the OpenAPI document and enforced.

Each pattern is written with explicit character classes and ``\\uXXXX`` escapes only (no
``\\s``, ``\\d`` or ``\\w``), so it means the same in ECMA-262 (the OpenAPI dialect, what
client validators use) and in Python's ``re`` (what the server runs: pydantic is configured
with ``regex_engine="python-re"``). The server never accepts a value its document calls
invalid, nor refuses one it calls valid, except where a rule needs the database or the
network (a debtor that exists, a host that resolves): those are stated in descriptions.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# Characters no text field can hold (portal.input_guard refuses them before any view):
# C0 controls except tab, line feed and carriage return, and the non-characters U+FFFE/FFFF.
_UNSTORABLE = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff"
# What Python's ``str.split()`` and ``str.strip()`` treat as blank (``str.isspace``), with
# the controls refused anyway: a name or a description needs one character outside this set.
_SPACE = "\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_BLANK = f"\\u0000-\\u0020{_SPACE}\\ufffe\\uffff"

TEXT = f"^[^{_UNSTORABLE}]*$"
"""Free text that can be stored (tab, line feed and carriage return allowed)."""

NONBLANK_TEXT = f"^[^{_UNSTORABLE}]*[^{_BLANK}][^{_UNSTORABLE}]*$"
"""Free text with at least one visible character."""

DOCUMENT = (
    "^(?:[0-9]{3}\\.?[0-9]{3}\\.?[0-9]{3}-?[0-9]{2}"
    "|[0-9A-Za-z]{2}\\.?[0-9A-Za-z]{3}\\.?[0-9A-Za-z]{3}/?[0-9A-Za-z]{4}-?[0-9]{2})$"
)
"""A CPF (11 digits) or CNPJ (14 characters, the 2026 alphanumeric form too), with or
without the usual punctuation. The check digits are verified as well."""

DOCUMENT_FORMAT = "cpf-cnpj"
DOCUMENT_DESCRIPTION = (
    "CPF (11 digits) or CNPJ (14 characters; letters allowed in the first 12, as in the 2026 "
    "alphanumeric CNPJ), with or without punctuation. The check digits are verified: a "
    "document that matches the pattern but whose check digits are wrong is refused with "
    "code `invalid_document`."
)

REFERENCE = "^(?!batch$)[A-Za-z0-9._:-]{1,64}$"
"""Your external reference: safe in a URL path segment; ``batch`` is reserved."""

PHONE = "^(?:\\+55 ?)?(?:\\([0-9]{2}\\)|[0-9]{2}) ?[0-9]{4,5}[ -]?[0-9]{4}$"
"""A Brazilian number with area code: 10 or 11 digits, optionally after +55."""

EMPTY = f"^[\\t\\n\\r {_SPACE}]*$"
"""Blank: only spaces (what ``str.strip()`` removes, controls aside)."""

IDEMPOTENCY_KEY = "^[!-~](?:[ -~]{0,253}[!-~])?$"
"""1 to 255 printable ASCII characters, not starting or ending with a space."""

CURSOR = "^[0-9a-f]{14}[0-7][0-9a-f]{7}$"
"""An opaque position in a list: copy ``next_cursor``; never build one."""

DATE_TIME = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?"
    "(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
"""RFC 3339 ``date-time``: a date, a time and a time zone (``Z`` or an offset)."""

_DATE_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def parse_date_time(text: str) -> datetime:
    """An RFC 3339 date-time as an aware UTC datetime, or ``ValueError``.

    ``0.5``, a date alone or a time without a zone are not date-times. Years 0000 and 9999
    near their ends are clamped to Python's range (no row is that old or that new); a leap
    second counts as the second before it.
    """
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError("not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = int((match.group(7) or "0")[:6].ljust(6, "0"))
    if match.group(8):
        offset = timedelta(0)
    else:
        hours, minutes = int(match.group(10)), int(match.group(11))
        if hours > 23 or minutes > 59:
            raise ValueError("offset out of range")
        offset = timedelta(hours=hours, minutes=minutes)
        if match.group(9) == "-":
            offset = -offset
    if second == 60:
        second = 59
    if year == 0:
        date(2000, month, day)  # the month and the day must still exist (2000 is leap)
        return _EARLIEST
    moment = datetime(year, month, day, hour, minute, second, fraction, timezone(offset))
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return _EARLIEST if year == 1 else _LATEST


def encode_cursor(updated_at: datetime, row_id: int) -> str:
    """The position after a row: microseconds since 1970 and the id, in fixed-width hex."""
    moment = updated_at if updated_at.tzinfo else updated_at.replace(tzinfo=UTC)
    micros = max(0, (moment - _EPOCH) // timedelta(microseconds=1))
    return f"{micros:014x}{row_id:08x}"


_CURSOR = re.compile(CURSOR.strip("^$"))


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """``ValueError`` unless ``cursor`` has the shape of one we issue."""
    if not _CURSOR.fullmatch(cursor):
        raise ValueError("not a cursor")
    return _EPOCH + timedelta(microseconds=int(cursor[:14], 16)), int(cursor[14:], 16)


def past_date_pattern(today: date, earliest: date = date(1900, 1, 1)) -> str:
    """A pattern matching exactly the calendar dates from ``earliest``'s year to ``today``.

    Written out so a client (or a test generator) can tell a birth date in the future from
    one the server will take, without knowing today's date in Brasília.
    """
    assert earliest.month == 1 and earliest.day == 1  # noqa: S101 - whole years only
    full_years = _range(earliest.year, today.year - 1, 4)
    parts = [f"(?:{full_years})-{_ANY_MONTH_DAY}"] if full_years else []
    parts.append(f"(?:{_leap_years(earliest.year, today.year - 1)})-02-29")
    months = [m for m in range(1, today.month)]
    year = f"{today.year:04d}"
    for month in months:
        parts.append(f"{year}-{month:02d}-(?:{_range(1, _month_days(today.year, month), 2)})")
    parts.append(f"{year}-{today.month:02d}-(?:{_range(1, today.day, 2)})")
    return "^(?:" + "|".join(parts) + ")$"


_ANY_MONTH_DAY = (
    "(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    "|(?:0[13-9]|1[0-2])-(?:29|30)"
    "|(?:0[13578]|1[02])-31)"
)


def _month_days(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _leap_years(first: int, last: int) -> str:
    years = [
        f"{y:04d}" for y in range(first, last + 1) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    ]
    return "|".join(years) or "(?!)"


def _range(low: int, high: int, width: int) -> str:
    """Alternatives matching the zero-padded numbers ``low`` to ``high`` (few, short)."""
    if high < low:
        return ""
    return "|".join(f"{n:0{width}d}" for n in range(low, high + 1))


WEBHOOK_URL = (
    "^https?://(?:\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)"
    "(?::[0-9]{1,5})?(?:[/?][^#\\u0000-\\u0020\\u007f]*)?$"
)
"""A URL that can receive webhooks; plain ``http`` only where the server allows it."""


def webhook_url_pattern(allow_http: bool) -> str:
    return WEBHOOK_URL if allow_http else WEBHOOK_URL.replace("https?", "https", 1)


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" for c in word)


EMAIL_DELIVERABLE = (
    "^(?![\\s\\S]*[@.](?:"
    + "|".join(_any_case(w) for w in ("arpa", "invalid", "local", "localhost", "onion", "test"))
    + ")$)"
)
"""No special-use domain (RFC 6761: .test, .local, .localhost …): no mail reaches those."""
