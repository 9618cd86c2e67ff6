"""Forms of the régua editor: one step (with its optional B variant), the window, a preview."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.domain.regua import Phase

PHASE_LABELS: dict[str, Any] = {
    Phase.PRE_DUE.value: _l("1. Lembrete antes do vencimento"),
    Phase.FIRST_NOTICE.value: _l("2. Primeira cobrança amigável"),
    Phase.INTENSIFICATION.value: _l("3. Intensificação"),
    Phase.NEGOTIATION.value: _l("4. Oferta de negociação"),
    Phase.FINAL_NOTICE.value: _l("5. Aviso final"),
}
CHANNEL_LABELS: dict[str, Any] = {
    "email": _l("E-mail"),
    "sms": _l("SMS"),
    "whatsapp": _l("WhatsApp"),
}
PLACEHOLDER_HINT = _l(
    "Use {nome}, {empresa}, {cnpj}, {valor}, {vencimento}, {link} e {sair}. "
    "Obrigatórios: {empresa}, {cnpj}, {valor}, {link} e {sair} (a linha para deixar de receber)."
)


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


class StepForm(FlaskForm):
    phase = SelectField(_l("Fase"), choices=[SelectChoice(k, v) for k, v in PHASE_LABELS.items()])
    offset_days = IntegerField(
        _l("Dia, contado do vencimento"),
        validators=[
            InputRequired(_l("Informe o dia (negativo antes do vencimento).")),
            NumberRange(-30, 365, _l("Use um dia de -30 a 365.")),
        ],
    )
    channel = SelectField(
        _l("Canal"), choices=[SelectChoice(k, v) for k, v in CHANNEL_LABELS.items()]
    )
    subject = StringField(
        _l("Assunto do e-mail"), validators=[Optional(), Length(max=200)], filters=[_blank]
    )
    body = TextAreaField(
        _l("Texto da mensagem"),
        validators=[InputRequired(_l("Escreva o texto da mensagem.")), Length(max=5000)],
    )
    provider_template = StringField(
        _l("Modelo aprovado no WhatsApp"),
        validators=[Optional(), Length(max=120)],
        filters=[_blank],
    )
    subject_b = StringField(
        _l("Assunto da variante B"), validators=[Optional(), Length(max=200)], filters=[_blank]
    )
    body_b = TextAreaField(
        _l("Texto da variante B (teste A/B, opcional)"),
        validators=[Optional(), Length(max=5000)],
        filters=[_blank],
    )
    provider_template_b = StringField(
        _l("Modelo aprovado da variante B"),
        validators=[Optional(), Length(max=120)],
        filters=[_blank],
    )
    note = StringField(_l("O que mudou (opcional)"), validators=[Optional(), Length(max=200)])


class SettingsForm(FlaskForm):
    enabled = BooleanField(_l("Régua ligada: enviar os lembretes"))
    weekday_start = IntegerField(
        _l("De segunda a sexta, a partir das (hora)"),
        validators=[InputRequired(), NumberRange(8, 19, _l("Use de 8 a 19."))],
    )
    weekday_end = IntegerField(
        _l("De segunda a sexta, até as (hora)"),
        validators=[InputRequired(), NumberRange(9, 20, _l("Use de 9 a 20."))],
    )
    saturday = BooleanField(_l("Enviar aos sábados (das 8h às 14h, no máximo)"))
    note = StringField(_l("O que mudou (opcional)"), validators=[Optional(), Length(max=200)])


class PreviewForm(FlaskForm):
    document = StringField(
        _l("CPF ou CNPJ do devedor"),
        validators=[InputRequired(_l("Informe o CPF ou o CNPJ.")), Length(max=20)],
    )
