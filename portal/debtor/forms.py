"""Forms of the debtor pages. Labels and messages in pt-BR through Flask-Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import MoneyField


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
    """The button that sends the one-time code before accepting."""


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
