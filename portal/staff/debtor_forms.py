"""Forms of the debtor page's actions: notes and cancelling an agreement."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.models.note import MAX_NOTE_LENGTH
from portal.services.backoffice import MAX_REASON_LENGTH, MIN_REASON_LENGTH


class NoteForm(FlaskForm):
    note_creditor_id = SelectField(_l("Empresa"), coerce=int, validate_choice=True)
    text = TextAreaField(
        _l("Anotação"),
        validators=[
            DataRequired(_l("Escreva a anotação.")),
            Length(
                max=MAX_NOTE_LENGTH,
                message=_l("No máximo %(n)s caracteres.", n=MAX_NOTE_LENGTH),
            ),
        ],
    )


class CancelAgreementForm(FlaskForm):
    reason = TextAreaField(
        _l("Motivo do cancelamento"),
        validators=[
            DataRequired(_l("Informe o motivo do cancelamento.")),
            Length(
                min=MIN_REASON_LENGTH,
                max=MAX_REASON_LENGTH,
                message=_l(
                    "Escreva o motivo com %(min)s a %(max)s caracteres.",
                    min=MIN_REASON_LENGTH,
                    max=MAX_REASON_LENGTH,
                ),
            ),
        ],
    )
