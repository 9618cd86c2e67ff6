"""The boleto's payer form: a boleto names its payer's address (Stripe requires it), which the
company's records do not hold; the e-mail only when the company has none."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

UFS = [
    "AC",
    "AL",
    "AM",
    "AP",
    "BA",
    "CE",
    "DF",
    "ES",
    "GO",
    "MA",
    "MG",
    "MS",
    "MT",
    "PA",
    "PB",
    "PE",
    "PI",
    "PR",
    "RJ",
    "RN",
    "RO",
    "RR",
    "RS",
    "SC",
    "SE",
    "SP",
    "TO",
]


class BoletoPayerForm(FlaskForm):
    cep = StringField(
        _l("CEP"),
        validators=[
            DataRequired(_l("Informe o CEP.")),
            Regexp(r"^\s*\d{5}-?\d{3}\s*$", message=_l("O CEP tem 8 números, como 01310-100.")),
        ],
    )
    endereco = StringField(
        _l("Endereço (rua, número e complemento)"),
        validators=[
            DataRequired(_l("Informe o endereço.")),
            Length(max=120, message=_l("Texto longo demais.")),
        ],
    )
    cidade = StringField(
        _l("Cidade"),
        validators=[
            DataRequired(_l("Informe a cidade.")),
            Length(max=60, message=_l("Texto longo demais.")),
        ],
    )
    uf = SelectField(
        _l("Estado (UF)"),
        choices=[SelectChoice("", "—"), *(SelectChoice(uf, uf) for uf in UFS)],
        validators=[DataRequired(_l("Escolha o estado."))],
    )
    email = EmailField(
        _l("E-mail para receber o boleto"),
        validators=[
            Optional(),
            Email(message=_l("Confira o e-mail.")),
            Length(max=254, message=_l("Texto longo demais.")),
        ],
    )

    @property
    def postal_code(self) -> str:
        return "".join(ch for ch in str(self.cep.data) if ch.isdigit())
