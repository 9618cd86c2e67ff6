"""Counts in the templates go through ngettext: "1 pagamento", never "1 pagamentos"."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from tests.debtor.test_journey import sign_in
from tests.html import parse_page
from tests.journey_helpers import debt_world, make_agreement

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"
NOUNS = "dias|minutos|horas|meses|pagamentos|parcelas|tentativas|pendências|empresas|itens"
# a placeholder right before a counted noun, inside a plain _() call
COUNTED = re.compile(r'(?<!n)_\("[^"]*%\((\w+)\)s (' + NOUNS + r')\b[^"]*"')


def test_no_template_counts_with_a_plain_gettext() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.*")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            found += [
                f"{path.relative_to(TEMPLATES)}:{number}: {m.group(0)[:70]}"
                for m in COUNTED.finditer(line)
            ]
    assert found == [], "use ngettext for counts:\n" + "\n".join(found)


def test_one_payment_is_singular(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    make_agreement(world, payment_count=1)
    text = parse_page(client.get("/acordos")).get_text(" ", strip=True)
    assert " em 1 pagamento" in text and "1 pagamentos" not in text
