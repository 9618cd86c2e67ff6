"""portal/forms.py: MoneyField reads typed money with parse_brl and says why it refuses."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import Form

from portal.forms import MoneyField


class AmountForm(Form):  # type: ignore[misc]
    amount = MoneyField("Valor")


def _submit(app: Flask, text: str, language: str = "pt-BR") -> AmountForm:
    with app.test_request_context(headers={"Accept-Language": language}):
        form = AmountForm(MultiDict({"amount": text}))
        form.validate()
        # Errors are rendered in the request's language, so read them inside the context.
        form.amount.errors = [str(error) for error in form.amount.errors]
        return form


@pytest.mark.parametrize(
    ("text", "cents"),
    [("50.00", 5_000), ("1.234,56", 123_456), ("R$\u00a099,90", 9_990), (" 7 ", 700)],
)
def test_money_is_read_by_parse_brl(app: Flask, text: str, cents: int) -> None:
    form = _submit(app, text)
    assert form.amount.data == cents
    assert not form.amount.errors


def test_the_same_typing_means_the_same_amount_in_english(app: Flask) -> None:
    assert _submit(app, "50.00", "en").amount.data == 5_000
    assert _submit(app, "1.234,56", "en").amount.data == 123_456


def test_blank_is_no_amount(app: Flask) -> None:
    form = _submit(app, "  ")
    assert form.amount.data is None
    assert not form.amount.errors


@pytest.mark.parametrize(
    ("text", "portuguese", "english"),
    [
        (
            "1,234.56",
            "Use o ponto para os milhares e a vírgula para os centavos, por exemplo 1.234,56.",
            "Use a dot for thousands and a comma before the centavos (1.234,56), or no "
            "thousands separator (1234.56).",
        ),
        (
            "0,001",
            "Use no máximo dois algarismos para os centavos, por exemplo 10,50.",
            "Use at most two digits for the centavos, for example 10.50.",
        ),
        (
            "1e9",
            "Escreva o valor com todos os algarismos, sem notação científica.",
            "Write the amount with all its digits, without scientific notation.",
        ),
        (
            "-5",
            "Informe o valor sem sinal de mais ou de menos.",
            "Enter the amount without a plus or minus sign.",
        ),
        (
            "2.000.000.000",
            "O valor passa de R$\u00a01.000.000.000,00: confira os algarismos.",
            "The amount is above R$1,000,000,000.00: check the digits.",
        ),
    ],
)
def test_a_refusal_says_why_in_the_readers_language(
    app: Flask, text: str, portuguese: str, english: str
) -> None:
    form = _submit(app, text)
    assert form.amount.data is None
    assert form.amount.errors == [portuguese]
    assert _submit(app, text, "en").amount.errors == [english]


@pytest.mark.parametrize(
    ("language", "cents", "shown"),
    [("pt-BR", 123_456, "1.234,56"), ("en", 123_456, "1234.56"), ("en", 5, "0.05")],
)
def test_a_stored_amount_is_shown_as_parse_brl_reads_it(
    app: Flask, language: str, cents: int, shown: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": language}):
        form = AmountForm(data={"amount": cents})
        assert form.amount._value() == shown
        again = AmountForm(MultiDict({"amount": shown}))
        assert again.validate() and again.amount.data == cents
