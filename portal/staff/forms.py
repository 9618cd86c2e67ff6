"""Forms of the back-office."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp


class StaffLoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Informe o e-mail."))])
    password = PasswordField(_l("Senha"), validators=[DataRequired(_l("Informe a senha."))])
    totp = StringField(
        _l("Código do aplicativo autenticador"),
        validators=[
            DataRequired(_l("Informe o código de 6 dígitos do aplicativo autenticador.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("O código tem 6 dígitos.")),
        ],
    )


class DebtorSearchForm(FlaskForm):
    """Sent by POST: a CPF, phone or e-mail typed here must never sit in a URL."""

    q = StringField(
        _l("CPF, e-mail ou nome"),
        validators=[Length(max=200, message=_l("Texto longo demais."))],
    )
    # "" (every company in scope) or a creditor id; choices are set by the view
    empresa = SelectField(_l("Empresa"), default="", validate_choice=True)


class IssueLinkForm(FlaskForm):
    creditor_id = SelectField(_l("Empresa"), coerce=int, validate_choice=True)
    channel = SelectField(
        _l("Como enviar"),
        choices=[
            SelectChoice("whatsapp", _l("WhatsApp (copiar mensagem)")),
            SelectChoice("sms", _l("SMS (copiar mensagem)")),
            SelectChoice("email", _l("E-mail (enviamos agora)")),
        ],
        validate_choice=True,
    )
    days = IntegerField(
        _l("Validade em dias"),
        validators=[
            DataRequired(_l("Informe a validade.")),
            NumberRange(min=1, max=30, message=_l("Entre 1 e 30 dias.")),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something (revoke, block): only the CSRF token."""
