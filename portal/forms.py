"""Form fields shared by the blueprints."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from wtforms import StringField
from wtforms.validators import ValidationError

from portal.domain.money import InvalidMoneyText, format_brl, parse_brl


class MoneyField(StringField):  # type: ignore[misc]
    """An amount in reais; ``data`` is integer centavos (or None if empty).

    Read by ``portal.domain.money.parse_brl``, the one parser of typed money, whatever the
    page's language; a refusal shows its reason, translated.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_text = valuelist[0] if valuelist else ""
        if not self.raw_text.strip():
            self.data = None
            return
        try:
            self.data = parse_brl(self.raw_text)
        except InvalidMoneyText as error:
            from portal.templating import domain_message

            self.data = None
            raise ValidationError(domain_message(error.message)) from None

    def _value(self) -> str:
        """The amount as ``parse_brl`` reads it back: ``1.234,56`` in Portuguese, ``1234.56``
        (no grouping, which would read as a mixed order) in other languages."""
        if getattr(self, "raw_text", None):
            return str(self.raw_text)
        if self.data is None:
            return ""
        cents = int(self.data)
        if str(get_locale() or "pt_BR").startswith("pt"):
            return format_brl(cents)
        return f"{cents // 100}.{cents % 100:02d}"
