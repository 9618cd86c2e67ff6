"""Form fields shared by the blueprints."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

MAX_MONEY_CENTS = 10**11  # R$ 1 bilhão: anything above is a typo


def parse_money(text: str, locale: str = "pt_BR") -> int:
    """``"1.234,56"``, ``"R$ 1234,5"`` or ``"50"`` → integer centavos (half-up).

    Raises ``ValueError`` for anything that is not a non-negative amount.
    """
    cleaned = text.replace("R$", "").replace("\u00a0", " ").strip().replace(" ", "")
    if not cleaned:
        raise ValueError("empty")
    try:
        value = parse_decimal(cleaned, locale=locale, strict=False)
    except (NumberFormatError, InvalidOperation):
        raise ValueError("not a number") from None
    if not value.is_finite() or value < 0 or value * 100 > MAX_MONEY_CENTS:
        raise ValueError("not a plausible amount")
    cents = int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if cents > MAX_MONEY_CENTS:
        raise ValueError("too large")
    return cents


class MoneyField(StringField):  # type: ignore[misc]
    """An amount typed the Brazilian way; ``data`` is integer centavos (or None if empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_text = valuelist[0] if valuelist else ""
        if not self.raw_text.strip():
            self.data = None
            return
        locale = str(get_locale() or "pt_BR")
        try:
            self.data = parse_money(self.raw_text, locale)
        except ValueError:
            self.data = None
            raise ValidationError(_l("Informe um valor em reais, por exemplo 150,00.")) from None

    def _value(self) -> str:
        if getattr(self, "raw_text", None):
            return str(self.raw_text)
        if self.data is None:
            return ""
        from portal.core.formatting import brl

        return brl(int(self.data)).replace("R$", "").strip()
