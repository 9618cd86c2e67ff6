"""portal/templating.py: the money, date and document filters; brand contrast."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask

from portal.domain.offers import PlanOption
from portal.templating import brl, cet_note, contrast_ratio, cpf_mask, date_br, text_colour_on

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, f"R${NBSP}0,00"),
        (1, f"R${NBSP}0,01"),
        (123456, f"R${NBSP}1.234,56"),
        (100_000_000, f"R${NBSP}1.000.000,00"),
        (-123450, f"-R${NBSP}1.234,50"),
        (5, f"R${NBSP}0,05"),
    ],
)
def test_brl_in_portuguese(app: Flask, cents: int, text: str) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        assert brl(cents) == text


def test_brl_in_english(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert brl(123456) == "R$1,234.56"


@pytest.mark.parametrize("bad", [1.5, Decimal("1.50"), "100", True])
def test_brl_refuses_anything_but_integer_centavos(app: Flask, bad: object) -> None:
    with pytest.raises(TypeError):
        brl(bad)  # type: ignore[arg-type]


def test_brl_none_is_a_dash(app: Flask) -> None:
    assert brl(None) == "—"


def test_date_br(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        assert date_br(date(2026, 3, 5)) == "05/03/2026"
        assert date_br(date(2026, 3, 5), "long") == "5 de março de 2026"
        # 2026-03-05 02:30 UTC is still the 4th in Brasília (UTC-3).
        assert date_br(datetime(2026, 3, 5, 2, 30, tzinfo=UTC)) == "04/03/2026 às 23:30"
        assert date_br(None) == "—"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert date_br(date(2026, 3, 5)) == "5 Mar 2026"


@pytest.mark.parametrize(
    ("document", "masked"),
    [("12345678909", "***.456.789-**"), ("123.456.789-09", "***.456.789-**"), (None, "—")],
)
def test_cpf_mask(document: str | None, masked: str) -> None:
    assert cpf_mask(document) == masked


def test_filters_are_registered_in_jinja(app: Flask) -> None:
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(
            "{{ 123456|brl }} {{ d|date_br }} {{ '12345678909'|cpf_mask }}"
        )
        assert template.render(d=date(2026, 1, 2)) == (
            f"R${NBSP}1.234,56 02/01/2026 ***.456.789-**"
        )


@pytest.mark.parametrize(
    "colour", ["#1b5e7a", "#0b6e4f", "#ffeb3b", "#8a3b12", "#777777", "#767676", "#959595"]
)
def test_text_on_any_brand_colour_meets_aa(colour: str) -> None:
    assert contrast_ratio(colour, text_colour_on(colour)) >= 4.5


def test_contrast_ratio_extremes() -> None:
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert contrast_ratio("#123456", "#123456") == 1.0


def _option(rate: str, cet_monthly: str) -> PlanOption:
    return PlanOption(
        kind="parcelado",  # type: ignore[arg-type]
        payment_count=2,
        down_payment_cents=1_000,
        installment_count=1,
        installment_cents=5_125,
        last_installment_cents=5_125,
        financed_cents=5_000,
        total_cents=6_125,
        total_interest_cents=125,
        discount_cents=0,
        nominal_monthly_rate_pct=Decimal(rate),
        cet_monthly_pct=Decimal(cet_monthly),
        cet_annual_pct=Decimal("34.49"),
        installments=(),
        violations=(),
    )


def test_cet_note_says_why_the_cet_differs_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        assert cet_note(_option("2.49", "2.49")) == ""
        assert cet_note(_option("2.49", "2.50")) == (
            "O CET difere dos juros do parcelamento só pelo arredondamento das parcelas aos "
            "centavos."
        )
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert cet_note(_option("2.49", "2.50")) == (
            "The CET differs from the plan's interest only by the rounding of the installments "
            "to the centavo."
        )


# --- brl and percent write what Babel writes, without calling it per amount ------------

from babel.numbers import format_currency, format_decimal  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from portal.templating import percent  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=-(10**13), max_value=10**13))
def test_brl_matches_babel_for_any_amount(app: Flask, cents: int) -> None:
    for locale, header in (("pt_BR", "pt-BR"), ("en", "en")):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            expected = format_currency(Decimal(cents).scaleb(-2), "BRL", locale=locale)
            assert brl(cents) == expected


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(min_value=-100_000, max_value=100_000, places=4, allow_nan=False),
    places=st.sampled_from([None, 0, 1, 2, 4]),
)
def test_percent_matches_babel(app: Flask, value: Decimal, places: int | None) -> None:
    from decimal import ROUND_HALF_UP

    digits = 2 if places is None else places
    number = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    pattern = {None: "#,##0.##", 0: "#,##0"}.get(places, "#,##0." + "0" * digits)
    for locale, header in (("pt_BR", "pt-BR"), ("en", "en")):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            expected = format_decimal(number, format=pattern, locale=locale) + "%"
            assert percent(value, places) == expected


def test_percent_examples(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        assert percent(Decimal("2.49")) == "2,49%"
        assert percent(Decimal("2")) == "2%"
        assert percent(Decimal("2.005")) == "2,01%"  # half-up, never half-even
        assert percent("1234.5", 2) == "1.234,50%"
        assert percent(Decimal("99.5"), 0) == "100%"  # half-up to whole numbers too
        assert percent(Decimal("100"), 0) == "100%"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert percent(Decimal("2.49")) == "2.49%"


def test_template_messages_look_their_catalogue_up_once_per_request(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask import render_template_string

    from portal import i18n

    lookups: list[object] = []
    real = i18n.get_translations

    def counted() -> object:
        lookups.append(1)
        return real()

    monkeypatch.setattr(i18n, "get_translations", counted)
    page = "{% for _n in range(30) %}{{ _('Minhas pendências') }}|{% endfor %}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        text = render_template_string(page)
    assert text.split("|")[:30] == ["What I owe"] * 30
    assert len(lookups) == 1


def test_force_locale_still_switches_template_messages_within_a_request(app: Flask) -> None:
    from flask import render_template_string
    from flask_babel import force_locale

    page = "{{ _('Minhas pendências') }}"
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        assert render_template_string(page) == "Minhas pendências"
        with force_locale("en"):
            assert render_template_string(page) == "What I owe"
        assert render_template_string(page) == "Minhas pendências"


def test_asset_urls_are_built_once_per_application_root(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal import templating

    app.extensions.pop("portal_asset_urls", None)
    built: list[str] = []
    real = templating.url_for

    def counted(endpoint: str, **values: object) -> str:
        built.append(endpoint)
        return real(endpoint, **values)

    monkeypatch.setattr(templating, "url_for", counted)
    with app.test_request_context("/"):
        first = templating.asset_url("css/portal.css")
        assert templating.asset_url("css/portal.css") == first
    with app.test_request_context("/"):
        assert templating.asset_url("css/portal.css") == first
    assert first.startswith("/static/css/portal.css?v=") and built == ["static"]
    with app.test_request_context("/", base_url="http://localhost/portal/"):
        assert templating.asset_url("css/portal.css") == "/portal" + first
    assert built == ["static", "static"]
