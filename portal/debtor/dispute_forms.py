"""Forms of "Não reconheço esta pendência" and "Motivo do atraso" (pt-BR through Babel).

The attachment's type is decided by its content in the service, never by its name or the
type the browser sends; this form only carries the file.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.core.dispute_labels import DELAY_REASONS, DISPUTE_REASONS
from portal.domain.disputes import MAX_DETAILS_LENGTH


class DisputeForm(FlaskForm):
    reason = RadioField(
        _l("Por que você não reconhece esta pendência?"),
        choices=[SelectChoice(value, label) for value, label in DISPUTE_REASONS.items()],
        validators=[DataRequired(_l("Escolha o motivo."))],
    )
    details = TextAreaField(
        _l("Conte o que aconteceu (opcional)"),
        validators=[
            Optional(),
            Length(
                max=MAX_DETAILS_LENGTH,
                message=_l("Escreva até %(max)d caracteres.", max=MAX_DETAILS_LENGTH),
            ),
        ],
    )
    attachment = FileField(_l("Documento que ajude a empresa a entender (opcional)"))


class DelayReasonForm(FlaskForm):
    reason = SelectField(
        _l("Motivo do atraso (opcional)"),
        choices=[SelectChoice(value, label) for value, label in DELAY_REASONS.items()],
        validators=[DataRequired(_l("Escolha um motivo."))],
    )
