"""The back-office's answer to a debtor's LGPD request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.models.privacy import MAX_REQUEST_TEXT


class CompleteRequestForm(FlaskForm):
    answer = TextAreaField(
        _l("Resposta ao devedor"),
        validators=[
            DataRequired(_l("Escreva a resposta para o devedor.")),
            Length(max=MAX_REQUEST_TEXT, message=_l("Texto longo demais.")),
        ],
    )
