"""Forms of "Meus dados" (LGPD): each act is confirmed with a fresh code (step-up)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from portal.models.privacy import MAX_REQUEST_TEXT
from portal.services.privacy import FIELD_LABELS


def _code() -> StringField:
    return StringField(
        _l("Código de 6 dígitos"),
        validators=[
            DataRequired(_l("Informe o código que enviamos.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("O código tem 6 dígitos.")),
        ],
    )


class ExportForm(FlaskForm):
    code = _code()


class CorrectionForm(FlaskForm):
    field = SelectField(
        _l("Qual dado está errado?"),
        choices=[SelectChoice(f.value, label) for f, label in FIELD_LABELS.items()],
        validate_choice=True,
    )
    details = TextAreaField(
        _l("O que precisa ser corrigido"),
        validators=[
            DataRequired(_l("Conte o que está errado e qual é o dado certo.")),
            Length(max=MAX_REQUEST_TEXT, message=_l("Texto longo demais.")),
        ],
    )
    code = _code()


class PreferencesForm(FlaskForm):
    email = BooleanField(_l("Lembretes por e-mail"))
    sms = BooleanField(_l("Lembretes por SMS"))
    whatsapp = BooleanField(_l("Lembretes por WhatsApp"))
    code = _code()
