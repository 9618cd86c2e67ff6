"""The negotiation policy editor's form.

It only parses what was typed (numbers, percentages, amounts); whether the values make a
valid policy is the domain's to say (``portal.staff.policy_rules``).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from portal.domain.policy import NegotiationPolicy
from portal.forms import MoneyField

TIER_ROWS = 4
BAND_ROWS = 6
REQUIRED = _l("Preencha este campo.")


def _locale() -> str:
    return str(get_locale() or "pt_BR")


class PercentField(StringField):  # type: ignore[misc]
    """A percentage typed the Brazilian way (``2,5``); ``data`` is a Decimal or None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_text = (valuelist[0] if valuelist else "").replace("%", "").strip()
        self.data = None
        if not self.raw_text:
            return
        try:
            value = parse_decimal(self.raw_text, locale=_locale(), strict=False)
        except (NumberFormatError, InvalidOperation):
            raise ValidationError(_l("Informe um percentual, por exemplo 2,5.")) from None
        if not value.is_finite():
            raise ValidationError(_l("Informe um percentual, por exemplo 2,5."))
        self.data = value

    def _value(self) -> str:
        if getattr(self, "raw_text", None):
            return str(self.raw_text)
        if self.data is None:
            return ""
        return str(format_decimal(self.data, format="#,##0.####", locale=_locale()))


class WholeNumberField(StringField):  # type: ignore[misc]
    """A whole number (days, payments); ``data`` is an int or None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw_text:
            return
        if not self.raw_text.isdigit() or len(self.raw_text) > 9:
            raise ValidationError(_l("Informe um número inteiro, por exemplo 30."))
        self.data = int(self.raw_text)

    def _value(self) -> str:
        if getattr(self, "raw_text", None):
            return str(self.raw_text)
        return "" if self.data is None else str(self.data)


class TierForm(Form):  # type: ignore[misc]
    min_days_overdue = WholeNumberField(_l("A partir de quantos dias de atraso"))
    discount_pct = PercentField(_l("Desconto à vista (%)"))
    max_charges_discount_pct = PercentField(_l("Máximo tirado de multa, juros e correção (%)"))
    max_principal_discount_pct = PercentField(_l("Máximo tirado do valor original (%)"))


class BandForm(Form):  # type: ignore[misc]
    min_amount = MoneyField(_l("A partir de (R$)"))
    max_payments = WholeNumberField(_l("Até quantos pagamentos"))


def _required() -> list[Any]:
    return [InputRequired(message=REQUIRED)]


class PolicyForm(FlaskForm):
    multa_pct = PercentField(_l("Multa por atraso (%)"), validators=_required())
    juros_monthly_pct = PercentField(_l("Juros de mora ao mês (%)"), validators=_required())
    correction = SelectField(_l("Correção monetária"), validate_choice=True)
    tiers = FieldList(FormField(TierForm), min_entries=TIER_ROWS, max_entries=TIER_ROWS)
    bands = FieldList(FormField(BandForm), min_entries=BAND_ROWS, max_entries=BAND_ROWS)
    min_installment = MoneyField(_l("Parcela mínima (R$)"), validators=_required())
    plan_monthly_rate_pct = PercentField(
        _l("Juros do parcelamento ao mês (%)"), validators=_required()
    )
    min_down_payment_pct = PercentField(_l("Entrada mínima (%)"), validators=_required())
    first_due_min_days = WholeNumberField(
        _l("Primeiro pagamento: no mínimo em quantos dias"), validators=_required()
    )
    first_due_max_days = WholeNumberField(
        _l("Primeiro pagamento: no máximo em quantos dias"), validators=_required()
    )
    offer_validity_days = WholeNumberField(
        _l("Validade da proposta (dias)"), validators=_required()
    )
    grace_days = WholeNumberField(_l("Tolerância de atraso (dias)"), validators=_required())
    breach_after_days = WholeNumberField(
        _l("Acordo quebrado depois de quantos dias de atraso"), validators=_required()
    )
    max_income_share_pct = PercentField(
        _l("Parcela máxima em relação à renda (%)"), validators=_required()
    )
    existential_minimum = MoneyField(_l("Mínimo existencial (R$)"), validators=_required())
    note = StringField(
        _l("O que mudou (opcional)"),
        validators=[Length(max=200, message=_l("No máximo 200 caracteres."))],
    )
    sample_amount = MoneyField(_l("Valor original da dívida de exemplo (R$)"))
    sample_days = WholeNumberField(_l("Dias de atraso da dívida de exemplo"))
    sample_kind = SelectField(
        _l("Devedor de exemplo"),
        choices=[
            SelectChoice("cpf", _l("Pessoa (CPF)")),
            SelectChoice("cnpj", _l("Empresa (CNPJ)")),
        ],
        validate_choice=True,
    )
    previewed = HiddenField()


def form_data(policy: NegotiationPolicy) -> dict[str, Any]:
    """The form's initial values for an existing policy."""
    return {
        "multa_pct": policy.charges.multa_pct,
        "juros_monthly_pct": policy.charges.juros_monthly_pct,
        "correction": "keep" if policy.charges.correction is not None else "none",
        "tiers": [
            {
                "min_days_overdue": t.min_days_overdue,
                "discount_pct": t.discount_pct,
                "max_charges_discount_pct": t.max_charges_discount_pct,
                "max_principal_discount_pct": t.max_principal_discount_pct,
            }
            for t in policy.discount_tiers
        ],
        "bands": [
            {"min_amount": b.min_amount_cents, "max_payments": b.max_payments}
            for b in policy.installment_bands
        ],
        "min_installment": policy.min_installment_cents,
        "plan_monthly_rate_pct": policy.plan_monthly_rate_pct,
        "min_down_payment_pct": policy.min_down_payment_pct,
        "first_due_min_days": policy.first_due_window.min_days,
        "first_due_max_days": policy.first_due_window.max_days,
        "offer_validity_days": policy.offer_validity_days,
        "grace_days": policy.breach.grace_days,
        "breach_after_days": policy.breach.breach_after_days,
        "max_income_share_pct": policy.affordability.max_income_share_pct,
        "existential_minimum": policy.affordability.existential_minimum_cents,
    }


def blank_data() -> dict[str, Any]:
    """Starting values when a creditor has no policy yet: the usual consumer figures."""
    return {
        "multa_pct": Decimal(2),
        "juros_monthly_pct": Decimal(1),
        "correction": "none",
        "tiers": [],
        "bands": [{"min_amount": 0, "max_payments": 1}],
        "min_installment": 5_000,
        "plan_monthly_rate_pct": Decimal(0),
        "min_down_payment_pct": Decimal(10),
        "first_due_min_days": 1,
        "first_due_max_days": 10,
        "offer_validity_days": 3,
        "grace_days": 5,
        "breach_after_days": 30,
        "max_income_share_pct": Decimal(30),
        "existential_minimum": 60_000,
    }


def with_ids(policy: NegotiationPolicy, policy_id: str, version: int) -> NegotiationPolicy:
    return replace(policy, policy_id=policy_id, version=version)
