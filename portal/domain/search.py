"""What a support agent typed in the search box, and the folded form names are compared in.

Pure: ``fold`` is applied both when a name is written (the stored ``search_name``) and to
what is typed, so "joao" finds "João", "JOSE" finds "José" on every database, with no
database extension. ``parse_query`` says whether the text is an e-mail, digits (a whole or
partial CPF/CNPJ, or part of a phone number) or words of a name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

MIN_NAME_LENGTH = 3
MIN_DIGITS = 4
_DIGIT_PUNCTUATION = re.compile(r"[\s.\-/()+]")


def fold(text: str) -> str:
    """Lower case, accents removed, runs of blanks collapsed: ``"  JOÃO  da Silva"`` →
    ``"joao da silva"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


class QueryKind(Enum):
    NONE = "none"
    EMAIL = "email"
    DIGITS = "digits"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    kind: QueryKind
    text: str = ""  # the e-mail as typed, or the digits
    words: tuple[str, ...] = ()  # folded words of a name, every one must appear


def parse_query(raw: str) -> SearchQuery:
    """Classify the search text; too short to search → ``QueryKind.NONE``."""
    text = raw.strip()
    if "@" in text:
        return SearchQuery(QueryKind.EMAIL, text)
    digits = _DIGIT_PUNCTUATION.sub("", text)
    if digits.isdigit():
        if len(digits) < MIN_DIGITS:
            return SearchQuery(QueryKind.NONE)
        return SearchQuery(QueryKind.DIGITS, digits)
    folded = fold(text)
    if len(folded) < MIN_NAME_LENGTH:
        return SearchQuery(QueryKind.NONE)
    return SearchQuery(QueryKind.NAME, words=tuple(folded.split()))


def escape_like(text: str) -> str:
    """``%`` and ``_`` matched literally in a LIKE pattern escaped with a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
