"""Every user-facing string is translatable, and the English catalogue is complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.html import parse_page

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "portal/translations/en/LC_MESSAGES/messages.po"
METHOD_MAP = [
    ("portal/**.py", "python"),
    ("portal/templates/**.html", "jinja2"),
    ("portal/templates/**.txt", "jinja2"),
]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "N_": None,
    "lazy_gettext": None,
}


def _source_msgids() -> set[str]:
    msgids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        msgids.add(message if isinstance(message, str) else message[0])
    return msgids


def test_english_catalogue_translates_every_message() -> None:
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    translated = set()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable:
            if all(message.string):
                translated.add(message.id[0])
        elif message.string:
            translated.add(message.id)
    missing = sorted(_source_msgids() - translated)
    assert not missing, "run `make translations` and translate:\n" + "\n".join(missing)


def test_english_pages_use_the_catalogue(client: FlaskClient) -> None:
    soup = parse_page(client.get("/", headers={"Accept-Language": "en"}), lang="en")
    assert soup.h1.get_text(strip=True) == "Settle what you owe calmly and safely"
    assert "Who runs this portal" in soup.find("footer").get_text()
