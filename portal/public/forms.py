"""Forms of the public pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.services.verification.checker import MAX_TEXT


class CheckForm(FlaskForm):
    """``/verificar``: a document code, a Pix "copia e cola" or a message's text."""

    text = TextAreaField(
        _l("Código, Pix copia e cola ou mensagem"),
        validators=[
            DataRequired(message=_l("Cole ou digite o que você quer conferir.")),
            Length(max=MAX_TEXT, message=_l("Texto longo demais: cole só o código ou o link.")),
        ],
    )
