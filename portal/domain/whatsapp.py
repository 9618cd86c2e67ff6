"""Approved WhatsApp templates: a name (what a régua step says) and Twilio's Content SID
(what the Messages API needs). The map is configured as ``name=HX…,other=HX…``."""

from __future__ import annotations

import re

TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,120}")
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
_ENTRY = re.compile(r"([a-z0-9_]{1,120})\s*=\s*(HX[0-9a-fA-F]{32})")


def is_content_sid(template: str) -> bool:
    return CONTENT_SID.fullmatch(template) is not None


def parse_template_map(raw: str) -> dict[str, str]:
    """``name=HX…`` pairs separated by commas; ValueError (one line) naming the bad entry."""
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    mapping: dict[str, str] = {}
    for entry in entries:
        found = _ENTRY.fullmatch(entry)
        if found is None:
            raise ValueError(
                "must be name=HX… pairs separated by commas (lower-case name, Content SID "
                f"HX + 32 hex digits), got {entry!r}"
            )
        name, sid = found.groups()
        if name in mapping:
            raise ValueError(f"names {name!r} twice")
        mapping[name] = sid
    return mapping
