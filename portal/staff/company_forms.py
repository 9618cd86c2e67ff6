"""Back-office forms for a company's support channels and bureau removals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length

CONTACT_ERRORS = {
    "phone": _l("Telefone inválido: use DDD e número, 0800 ou 4004-0000."),
    "whatsapp": _l("WhatsApp inválido: use um celular com DDD, por exemplo (11) 98765-4321."),
    "email": _l("E-mail inválido."),
    "hours": _l("No máximo 120 caracteres."),
    "hours_alone": _l("Informe ao menos um telefone, WhatsApp ou e-mail junto com o horário."),
}


class SupportChannelsForm(FlaskForm):
    phone = StringField(_l("Telefone de atendimento"), validators=[Length(max=30)])
    whatsapp = StringField(_l("WhatsApp"), validators=[Length(max=30)])
    email = StringField(_l("E-mail de atendimento"), validators=[Length(max=254)])
    hours = StringField(_l("Horário de atendimento"), validators=[Length(max=200)])


class RemovalForm(FlaskForm):
    removed_on = DateField(
        _l("Retirado em"),
        validators=[DataRequired(_l("Informe a data da retirada (dd/mm/aaaa)."))],
    )
