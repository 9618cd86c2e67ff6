"""The back-office form that answers a debtor's dispute."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.core.dispute_labels import DISPUTE_OUTCOMES
from portal.domain.disputes import MAX_ANSWER_LENGTH, MIN_ANSWER_LENGTH
from portal.forms import MoneyField


class ResolveDisputeForm(FlaskForm):
    outcome = RadioField(
        _l("Decisão"),
        choices=[SelectChoice(value, label) for value, label in DISPUTE_OUTCOMES.items()],
        validators=[DataRequired(_l("Escolha a decisão."))],
    )
    amount = MoneyField(_l("Novo valor original (só para corrigir o valor)"))
    answer = TextAreaField(
        _l("Resposta ao devedor"),
        validators=[
            DataRequired(_l("Escreva a resposta ao devedor.")),
            Length(
                min=MIN_ANSWER_LENGTH,
                max=MAX_ANSWER_LENGTH,
                message=_l(
                    "Escreva a resposta com %(min)d a %(max)d caracteres.",
                    min=MIN_ANSWER_LENGTH,
                    max=MAX_ANSWER_LENGTH,
                ),
            ),
        ],
    )
