"""Forms of the debtor pages. Labels and messages in pt-BR through Flask-Babel."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.domain.documents import InvalidDocument, normalise_cnpj
from portal.domain.records import normalise_phone
from portal.forms import MoneyField
from portal.models import normalise_email


class LinkRequestForm(FlaskForm):
    identifier = StringField(
        _l("E-mail ou CPF"),
        validators=[
            DataRequired(_l("Informe o e-mail ou o CPF que a empresa tem no cadastro.")),
            Length(max=254, message=_l("Texto longo demais.")),
        ],
    )


class EnterForm(FlaskForm):
    """The button on a link's page: the POST (with CSRF) is what uses the link."""


class DocumentCheckForm(FlaskForm):
    digits = StringField(
        _l("Os 3 primeiros dígitos do seu CPF ou CNPJ"),
        validators=[
            DataRequired(_l("Informe os 3 primeiros dígitos.")),
            Regexp(r"^\s*[0-9A-Za-z]{3}\s*$", message=_l("Informe exatamente 3 dígitos.")),
        ],
    )


class BirthDateCheckForm(FlaskForm):
    birth_date = DateField(
        _l("Sua data de nascimento"),
        validators=[DataRequired(_l("Informe a data de nascimento no formato dia/mês/ano."))],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Código de 6 dígitos"),
        validators=[
            DataRequired(_l("Informe o código que enviamos.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("O código tem 6 dígitos.")),
        ],
    )


class SendCodeForm(FlaskForm):
    channel = RadioField(_l("Enviar o código por"), choices=[], validate_choice=True)


class SimulationForm(FlaskForm):
    """Which items, when to start and, optionally, how much fits the debtor's month."""

    items = SelectMultipleField(
        _l("Pendências incluídas"),
        coerce=int,
        validate_choice=True,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    first_due_date = DateField(
        _l("Data do primeiro pagamento"),
        validators=[DataRequired(_l("Escolha a data do primeiro pagamento."))],
    )
    down_payment = MoneyField(_l("Entrada que você prefere dar (opcional)"))
    budget = MoneyField(_l("Quanto cabe no seu bolso por mês? (opcional)"))

    def validate_items(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_l("Escolha ao menos uma pendência."))


class SendStepUpForm(FlaskForm):
    """A button with nothing but its CSRF token (starting a payment)."""


class AcceptForm(FlaskForm):
    agree = BooleanField(
        _l("Li e concordo com as condições acima."),
        validators=[DataRequired(_l("Para confirmar, marque que leu e concorda."))],
    )
    code = StringField(
        _l("Código de 6 dígitos"),
        validators=[
            DataRequired(_l("Informe o código que enviamos.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("O código tem 6 dígitos.")),
        ],
    )
    acceptance_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class CancelForm(FlaskForm):
    confirm = BooleanField(
        _l("Entendo que as pendências voltam a ficar em aberto."),
        validators=[DataRequired(_l("Marque para confirmar o cancelamento."))],
    )
    code = StringField(
        _l("Código de 6 dígitos"),
        validators=[
            DataRequired(_l("Informe o código que enviamos.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("O código tem 6 dígitos.")),
        ],
    )


class AddCompanyForm(FlaskForm):
    """ "Tem pendências com outra empresa?" asks for the company's CNPJ: no list of companies
    is shown, so the page names none."""

    cnpj = StringField(
        _l("CNPJ da empresa"),
        validators=[
            DataRequired(_l("Informe o CNPJ da empresa.")),
            Length(max=20, message=_l("Texto longo demais.")),
        ],
    )

    def validate_cnpj(self, field: StringField) -> None:
        try:
            normalise_cnpj(str(field.data))
        except InvalidDocument:
            raise ValidationError(_l("Confira o CNPJ: ele tem 14 dígitos.")) from None


class ContactForm(FlaskForm):
    """The e-mail and phone one company has; saved only with a fresh code (step-up)."""

    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Length(max=254, message=_l("Texto longo demais."))],
    )
    phone = StringField(
        _l("Celular com DDD"),
        validators=[Optional(), Length(max=20, message=_l("Texto longo demais."))],
    )
    code = StringField(
        _l("Código de 6 dígitos"),
        validators=[
            DataRequired(_l("Informe o código que enviamos.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("O código tem 6 dígitos.")),
        ],
    )

    def validate_email(self, field: EmailField) -> None:
        if field.data:
            try:
                normalise_email(field.data)
            except ValueError:
                raise ValidationError(_l("Confira o e-mail: ele parece incompleto.")) from None

    def validate_phone(self, field: StringField) -> None:
        if field.data:
            try:
                normalise_phone(field.data)
            except ValueError:
                raise ValidationError(
                    _l("Informe o celular com DDD, por exemplo (11) 98765-4321.")
                ) from None


def identity_form(debtor_has_birth_date: bool) -> tuple[str, Any]:
    method = request.values.get("metodo", "documento")
    if method == "nascimento" and debtor_has_birth_date:
        return "birth_date", BirthDateCheckForm()
    return "document", DocumentCheckForm()


def identity_answer(method: str, form: Any) -> str:
    if method == "birth_date":
        return str(form.birth_date.data.isoformat())
    return str(form.digits.data).strip()


class SettleForm(FlaskForm):
    """Paying early ("Quitar agora"): only the method, from the button pressed. The amount is
    never a field: the server computes it from the agreement."""

    metodo = StringField(
        validators=[AnyOf(("pix", "card"), message=_l("Escolha como pagar: Pix ou cartão."))]
    )


class PrepayForm(SettleForm):
    """ "Antecipar parcelas": how many of the last installments, among ``allowed`` (set by the
    view from today's quotes), and the method."""

    parcelas = StringField(_l("Quantas parcelas antecipar"))
    allowed: range = range(0)

    def validate_parcelas(self, field: StringField) -> None:
        raw = (field.data or "").strip()
        if not raw.isdigit() or int(raw) not in self.allowed:
            raise ValidationError(_l("Escolha uma das opções de parcelas."))

    @property
    def count(self) -> int:
        return int((self.parcelas.data or "0").strip())
