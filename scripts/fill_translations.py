"""Fill the English catalogue from a Python mapping ``{pt-BR msgid: English text}``.

Usage: ``python scripts/fill_translations.py path/to/mapping.py`` where the file defines a
dict named ``EN``. Only empty entries are filled; existing translations are kept.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "portal/translations/en/LC_MESSAGES/messages.po"


def main(mapping_file: str) -> int:
    namespace = runpy.run_path(mapping_file)
    mapping: dict[str, str] = namespace["EN"]
    plurals: dict[str, tuple[str, str]] = namespace.get("PLURALS", {})
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    missing = []
    for message in catalog:
        if message.pluralizable:
            if not all(message.string) and message.id[0] in plurals:
                message.string = plurals[message.id[0]]
                message.flags.discard("fuzzy")
            elif not all(message.string):
                missing.append(message.id[0])
            continue
        if not message.id or message.string:
            continue
        if message.id in mapping:
            message.string = mapping[message.id]
            message.flags.discard("fuzzy")
        else:
            missing.append(message.id)
    with CATALOG.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
