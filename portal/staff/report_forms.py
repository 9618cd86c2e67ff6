"""Forms of the KPI and segment pages (filters by GET, the bulk issue by POST)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import TextInput

from portal.core.dispute_labels import DELAY_REASONS
from portal.domain.disputes import DelayReason
from portal.domain.segments import AMOUNT_LABELS, DAYS_LABELS, AmountBand, DaysBand
from portal.services.backoffice import History

_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_br_date(text: str) -> date | None:
    """``31/10/2026`` (or the ISO ``2026-10-31`` a date picker sends) → a date; else None."""
    text = text.strip()
    found = _BR_DATE.fullmatch(text)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


class BrDateField(Field):
    """A date typed as dd/mm/aaaa, shown back the same way."""

    widget = TextInput()
    data: date | None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        self.data = parse_br_date(str(valuelist[0]))
        if self.data is None:
            raise ValueError(str(_l("Data inválida. Use o formato dd/mm/aaaa.")))


class KpiFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    credor = SelectField(_l("Empresa"), coerce=int, validate_choice=False)
    inicio = BrDateField(_l("De"))
    fim = BrDateField(_l("Até"))


def _choices(labels: dict[Any, Any], anything: Any) -> list[SelectChoice]:
    return [SelectChoice("", anything)] + [SelectChoice(k.value, v) for k, v in labels.items()]


class SegmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    credor = SelectField(_l("Empresa"), coerce=int, validate_choice=False)
    atraso = SelectField(
        _l("Dias em atraso"),
        choices=_choices({b: _l(DAYS_LABELS[b]) for b in DaysBand}, _l("Qualquer atraso")),
        validate_choice=True,
        default="",
    )
    valor = SelectField(
        _l("Valor em aberto"),
        choices=_choices({b: _l(AMOUNT_LABELS[b]) for b in AmountBand}, _l("Qualquer valor")),
        validate_choice=True,
        default="",
    )
    historico = SelectField(
        _l("Histórico de pagamento"),
        choices=[
            SelectChoice("", _l("Qualquer histórico")),
            SelectChoice(History.PAID.value, _l("Já pagou algo")),
            SelectChoice(History.NEVER.value, _l("Nunca pagou")),
        ],
        validate_choice=True,
        default="",
    )
    quebra = SelectField(
        _l("Acordo quebrado"),
        choices=[
            SelectChoice("", _l("Tanto faz")),
            SelectChoice("sim", _l("Com acordo quebrado")),
            SelectChoice("nao", _l("Sem acordo quebrado")),
        ],
        validate_choice=True,
        default="",
    )
    motivo = SelectField(
        _l("Motivo do atraso"),
        choices=_choices(
            {DelayReason(code): label for code, label in DELAY_REASONS.items()},
            _l("Qualquer motivo (ou nenhum)"),
        ),
        validate_choice=True,
        default="",
    )
    pagina = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])


class BulkIssueForm(FlaskForm):
    channel = SelectField(
        _l("Mensagem para"),
        choices=[
            SelectChoice("whatsapp", _l("WhatsApp")),
            SelectChoice("sms", _l("SMS")),
        ],
        validate_choice=True,
    )
    days = IntegerField(
        _l("Validade dos links em dias"),
        validators=[
            DataRequired(_l("Informe a validade.")),
            NumberRange(min=1, max=30, message=_l("Entre 1 e 30 dias.")),
        ],
    )
