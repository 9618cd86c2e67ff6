"""Forms of the learning pages. Labels and messages in pt-BR through Flask-Babel."""

from __future__ import annotations

from typing import Final

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired

from portal.domain.budget_planner import ExpenseCategory, IncomeSource
from portal.forms import MoneyField


class PlannerForm(FlaskForm):
    """A month of income and expenses; an empty field counts as zero."""

    income_main = MoneyField(
        _l("Renda principal"), description=_l("Salário, aposentadoria ou o que entra do trabalho.")
    )
    income_other = MoneyField(
        _l("Outras rendas"), description=_l("Benefícios, pensão, ajuda da família, vendas.")
    )
    housing = MoneyField(_l("Moradia"), description=_l("Aluguel ou prestação, condomínio, IPTU."))
    food = MoneyField(_l("Alimentação"), description=_l("Mercado, feira, padaria, marmita."))
    transport = MoneyField(
        _l("Transporte"), description=_l("Ônibus, metrô, combustível, aplicativo.")
    )
    health = MoneyField(_l("Saúde"), description=_l("Remédios, plano de saúde, consultas."))
    education = MoneyField(_l("Educação"), description=_l("Escola, faculdade, cursos, material."))
    household_bills = MoneyField(
        _l("Contas da casa"), description=_l("Luz, água, gás, internet e celular.")
    )
    installments = MoneyField(
        _l("Parcelas que você já paga"),
        description=_l("Acordos, empréstimos, crediário e compras parceladas."),
    )
    other = MoneyField(
        _l("Outros gastos"), description=_l("Higiene, roupas, lazer, imprevistos do mês.")
    )


INCOME_FIELDS: Final = {"income_main": IncomeSource.MAIN, "income_other": IncomeSource.OTHER}
EXPENSE_FIELDS: Final = {
    "housing": ExpenseCategory.HOUSING,
    "food": ExpenseCategory.FOOD,
    "transport": ExpenseCategory.TRANSPORT,
    "health": ExpenseCategory.HEALTH,
    "education": ExpenseCategory.EDUCATION,
    "household_bills": ExpenseCategory.HOUSEHOLD_BILLS,
    "installments": ExpenseCategory.INSTALLMENTS,
    "other": ExpenseCategory.OTHER,
}


class HandoffForm(FlaskForm):
    """The button that takes what is left into the simulation (sent in the body, never a URL)."""

    budget = MoneyField(
        _l("Valor por mês"), validators=[DataRequired(_l("Informe um valor em reais."))]
    )
