"""From the policy editor's form to the domain's policy, with the domain's own checks.

Every rule about the values (multa up to 2 %, rates, day counts, ordered tiers and bands, …)
is ``portal.domain.policy``'s validation; its typed ``InvalidPolicy(field)`` errors are shown
here in plain pt-BR next to the field they concern, all at once rather than one by one. A
valid policy is also refused when its rate, longest plan and minimum installment could give an
uneven last installment (``level_schedules_problem``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, FieldList, Form

from portal.domain.charges import ChargeRules
from portal.domain.errors import InvalidPolicy
from portal.domain.indexes import IndexTable
from portal.domain.policy import (
    AffordabilityRule,
    BreachRule,
    DiscountTier,
    DueDateWindow,
    InstallmentBand,
    NegotiationPolicy,
    level_schedules_problem,
)
from portal.staff.policy_forms import PolicyForm
from portal.templating import domain_message

FIELD_MESSAGES: dict[str, Any] = {
    "charges.multa_pct": _l(
        "A multa vai de 0% a 2%: é o limite do Código de Defesa do Consumidor (art. 52, § 1º)."
    ),
    "charges.juros_monthly_pct": _l(
        "Os juros de mora vão de 0% a 1% ao mês: é o teto dos juros moratórios (Súmula 379 do "
        "STJ; Código Civil, art. 406)."
    ),
    "discount_tiers.min_days_overdue": _l("Use de 0 a 100.000 dias."),
    "discount_tiers.discount_pct": _l("Use um percentual de 0% a 100%."),
    "discount_tiers.max_charges_discount_pct": _l("Use um percentual de 0% a 100%."),
    "discount_tiers.max_principal_discount_pct": _l("Use um percentual de 0% a 100%."),
    "discount_tiers": _l(
        "Cada faixa de desconto precisa de um número de dias de atraso diferente."
    ),
    "installment_bands.min_amount_cents": _l("Informe um valor válido."),
    "installment_bands.max_payments": _l("Use de 1 a 120 pagamentos."),
    "installment_bands": _l(
        "A primeira faixa de parcelamento começa em R$ 0,00 e cada faixa tem um valor mínimo "
        "diferente."
    ),
    "min_installment_cents": _l("A parcela mínima precisa ser maior que zero."),
    "plan_monthly_rate_pct": _l("Os juros do parcelamento vão de 0% a 20% ao mês."),
    "min_down_payment_pct": _l("Use um percentual de 0% a 100%."),
    "first_due_window.min_days": _l("Use de 0 a 3.650 dias."),
    "first_due_window.max_days": _l(
        "O prazo máximo precisa ser igual ou maior que o mínimo, e no máximo 3.650 dias."
    ),
    "offer_validity_days": _l("Use de 0 a 3.650 dias."),
    "breach.grace_days": _l("Use de 0 a 3.650 dias."),
    "breach.breach_after_days": _l(
        "O acordo só pode ser quebrado depois da tolerância, e no máximo em 3.650 dias."
    ),
    "affordability.max_income_share_pct": _l("Use um percentual de 0% a 100%."),
    "affordability.existential_minimum_cents": _l("Informe um valor válido."),
}

# Domain field → the form field it is shown on (top-level fields only).
FORM_FIELDS = {
    "charges.multa_pct": "multa_pct",
    "charges.juros_monthly_pct": "juros_monthly_pct",
    "min_installment_cents": "min_installment",
    "plan_monthly_rate_pct": "plan_monthly_rate_pct",
    "min_down_payment_pct": "min_down_payment_pct",
    "first_due_window.min_days": "first_due_min_days",
    "first_due_window.max_days": "first_due_max_days",
    "offer_validity_days": "offer_validity_days",
    "breach.grace_days": "grace_days",
    "breach.breach_after_days": "breach_after_days",
    "affordability.max_income_share_pct": "max_income_share_pct",
    "affordability.existential_minimum_cents": "existential_minimum",
}
# Stand-ins for a refused top-level value, so the domain can report the next problem too.
_STAND_INS: dict[str, Any] = {
    "min_installment_cents": 1,
    "plan_monthly_rate_pct": Decimal(0),
    "min_down_payment_pct": Decimal(0),
    "offer_validity_days": 0,
    "discount_tiers": (),
    "installment_bands": (InstallmentBand(0, 1),),
}


def _message(field: str) -> str:
    return str(FIELD_MESSAGES.get(field, _l("Valor fora do permitido.")))


def _add_error(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


def _error_on(form: PolicyForm, error: InvalidPolicy, fallback: Field | None = None) -> None:
    name = str(error.params.get("field", ""))
    target = getattr(form, FORM_FIELDS[name]) if name in FORM_FIELDS else fallback
    if target is None:
        target = form.multa_pct
    _add_error(target, _message(name))


def error_list(form: Form) -> list[tuple[str, str]]:
    """Every field with an error, as (field id, first message), in the form's order.

    Read from the fields themselves: ``Form.errors`` is computed once and would miss the
    domain's errors added after validation.
    """
    found: list[tuple[str, str]] = []
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                found.extend(error_list(entry.form))
        elif field.errors:
            found.append((field.id, str(field.errors[0])))
    return found


def _filled(row: Form) -> bool:
    return any(getattr(f, "raw_text", "") for f in row)


def _rows(form: PolicyForm, entries: FieldList) -> list[Form]:
    rows = []
    for entry in entries:
        row = entry.form
        if not _filled(row):
            continue
        missing = [f for f in row if f.data is None and not f.errors]
        for f in missing:
            _add_error(f, str(_l("Preencha todos os campos da faixa, ou deixe todos em branco.")))
        rows.append(row)
    return rows


def _tiers(form: PolicyForm) -> list[DiscountTier]:
    tiers = []
    for row in _rows(form, form.tiers):
        if any(f.errors for f in row):
            continue
        try:
            tiers.append(
                DiscountTier(
                    row.min_days_overdue.data,
                    row.discount_pct.data,
                    max_charges_discount_pct=row.max_charges_discount_pct.data,
                    max_principal_discount_pct=row.max_principal_discount_pct.data,
                )
            )
        except InvalidPolicy as error:
            attribute = str(error.params["field"]).split(".")[-1]
            _add_error(getattr(row, attribute), _message(str(error.params["field"])))
    return sorted(tiers, key=lambda t: t.min_days_overdue)


def _bands(form: PolicyForm) -> list[InstallmentBand]:
    bands = []
    for row in _rows(form, form.bands):
        if any(f.errors for f in row):
            continue
        try:
            bands.append(InstallmentBand(row.min_amount.data, row.max_payments.data))
        except InvalidPolicy as error:
            name = str(error.params["field"])
            target = row.max_payments if name.endswith("max_payments") else row.min_amount
            _add_error(target, _message(name))
    return sorted(bands, key=lambda b: b.min_amount_cents)


def _part(form: PolicyForm, build: Any, stand_in: Any) -> Any:
    """One part of the policy, or (with the error on its field) a valid stand-in, so the
    remaining rules are still checked and every problem is reported at once."""
    try:
        return build()
    except InvalidPolicy as error:
        _error_on(form, error)
        return stand_in


def build_policy(
    form: PolicyForm, policy_id: str, version: int, correction: IndexTable | None
) -> NegotiationPolicy | None:
    """The policy the form describes, or None with the errors set on the form's fields."""
    if not form.validate():
        return None
    data: Any = form  # required fields: parsed, not None, once validate() passed
    zero = Decimal(0)
    charges = _part(
        form,
        lambda: ChargeRules(data.multa_pct.data, data.juros_monthly_pct.data, correction),
        ChargeRules(zero, zero),
    )
    window = _part(
        form,
        lambda: DueDateWindow(data.first_due_min_days.data, data.first_due_max_days.data),
        DueDateWindow(0, 0),
    )
    breach = _part(
        form,
        lambda: BreachRule(data.grace_days.data, data.breach_after_days.data),
        BreachRule(0, 0),
    )
    affordability = _part(
        form,
        lambda: AffordabilityRule(data.max_income_share_pct.data, data.existential_minimum.data),
        AffordabilityRule(zero),
    )
    values: dict[str, Any] = {
        "policy_id": policy_id,
        "version": version,
        "charges": charges,
        "discount_tiers": tuple(_tiers(form)),
        "installment_bands": tuple(_bands(form)),
        "min_installment_cents": data.min_installment.data,
        "plan_monthly_rate_pct": data.plan_monthly_rate_pct.data,
        "min_down_payment_pct": data.min_down_payment_pct.data,
        "first_due_window": window,
        "offer_validity_days": data.offer_validity_days.data,
        "breach": breach,
        "affordability": affordability,
    }
    # A refused row already says what is wrong: do not also judge the incomplete list.
    refused = [
        key
        for key, rows in (("discount_tiers", form.tiers), ("installment_bands", form.bands))
        if any(error_list(entry.form) for entry in rows.entries)
    ]
    while True:
        try:
            policy = NegotiationPolicy(**{**values, **{k: _STAND_INS[k] for k in refused}})
        except InvalidPolicy as error:
            name = str(error.params["field"])
            fallback = {
                "discount_tiers": form.tiers.entries[0].form.min_days_overdue,
                "installment_bands": form.bands.entries[0].form.min_amount,
            }.get(name)
            _error_on(form, error, fallback)
            if name in refused or name not in _STAND_INS:
                return None
            refused.append(name)
            continue
        if refused or error_list(form):
            return None
        return _level(form, policy)


def _level(form: PolicyForm, policy: NegotiationPolicy) -> NegotiationPolicy | None:
    """The policy, unless a rate and count pair it allows could need an uneven last
    installment at its minimum installment (the message says how to fix it)."""
    problem = level_schedules_problem(policy)
    if problem is None:
        return policy
    _add_error(form.min_installment, domain_message(problem))
    return None
