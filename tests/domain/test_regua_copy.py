"""The humane-copy checker, placeholders and SMS fitting in GSM-7."""

import pytest

from portal.domain.regua_copy import (
    Channel,
    CopyContext,
    check_copy,
    fit_sms,
    gsm7_length,
    link_path_ok,
    normalise,
    parse,
    render,
    to_gsm7,
)

CONTEXT = CopyContext(
    company="Energia Viva",
    cnpj="12.345.678/0001-95",
    link_example="https://portal.example/a/" + "x" * 22,
    opt_out_line="Responda SAIR p/ parar",
)
SMS = "{empresa} CNPJ {cnpj}: conta de {valor} venceu {vencimento}. Negocie: {link} {sair}"
EMAIL = (
    "Olá, {nome}. A {empresa} (CNPJ {cnpj}) lembra que há {valor} em aberto desde "
    "{vencimento}. Veja opções que cabem no seu orçamento: {link}\n\n{sair}"
)
WHATSAPP = "Olá, {nome}! {empresa}, CNPJ {cnpj}: {valor} em aberto. Veja as opções: {link}. {sair}"


def codes(problems: tuple[object, ...]) -> list[str]:
    return [p.code for p in problems]  # type: ignore[attr-defined]


def test_humane_templates_pass_on_every_channel() -> None:
    assert check_copy(Channel.SMS, SMS, CONTEXT) == ()
    assert check_copy(Channel.EMAIL, EMAIL, CONTEXT, subject="{empresa}: um lembrete") == ()
    assert check_copy(Channel.WHATSAPP, WHATSAPP, CONTEXT, provider_template="lembrete_1") == ()
    sid = "HX" + "0123456789abcdef" * 2
    assert check_copy(Channel.WHATSAPP, WHATSAPP, CONTEXT, provider_template=sid) == ()


@pytest.mark.parametrize(
    ("extra", "code", "term"),
    [
        ("Evite a PRISÃO.", "threat", "prisao"),
        ("Caso contrário, entraremos com uma ação   judicial.", "threat", "acao judicial"),
        ("Evite ter o nome sujo no Serasa.", "threat", "nome sujo"),
        ("Seus vizinhos vão saber.", "exposure", "vizinhos"),
        ("Não seja caloteiro.", "exposure", "caloteiro"),
        ("Avisaremos seu empregador.", "exposure", "empregador"),
    ],
)
def test_threats_and_exposure_are_refused_with_the_term(extra: str, code: str, term: str) -> None:
    problems = check_copy(Channel.EMAIL, EMAIL + " " + extra, CONTEXT, subject="Lembrete")
    found = [p for p in problems if p.code == code]
    assert found and found[0].params_dict()["term"] == term


def test_a_repeated_term_is_reported_once() -> None:
    problems = check_copy(Channel.EMAIL, EMAIL + " Polícia. Polícia.", CONTEXT, subject="Oi")
    assert codes(problems) == ["threat"]


def test_words_inside_other_words_are_not_flagged() -> None:
    """'processo' is a threat term; 'processamento' and 'Preso' in a name-like word are not."""
    body = EMAIL + " O processamento do pagamento leva um dia."
    assert check_copy(Channel.EMAIL, body, CONTEXT, subject="Oi") == ()


def test_shouting_exclamations_and_other_links() -> None:
    body = EMAIL + " PAGUE HOJE!! Veja www.outro.example"
    assert codes(check_copy(Channel.EMAIL, body, CONTEXT, subject="Oi")) == [
        "shouting",
        "exclamation",
        "other_link",
    ]
    acronyms = EMAIL + " Pague por PIX; seu CPF fica protegido (LGPD)."
    assert check_copy(Channel.EMAIL, acronyms, CONTEXT, subject="Oi") == ()


def test_placeholders_must_be_known_balanced_and_the_required_ones_present() -> None:
    problems = check_copy(Channel.EMAIL, "Olá {apelido}, pague { já.", CONTEXT, subject="Oi")
    assert codes(problems) == ["unknown_placeholder", "stray_brace"] + ["missing_placeholder"] * 5
    assert [p.params_dict()["name"] for p in problems[2:]] == [
        "empresa",
        "cnpj",
        "valor",
        "link",
        "sair",
    ]


def test_empty_body() -> None:
    assert codes(check_copy(Channel.SMS, "  \n", CONTEXT)) == ["empty"]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (None, ["subject_missing"]),
        ("   ", ["subject_missing"]),
        ("{valor} em aberto", ["subject_placeholder"]),
        ("x" * 121, ["subject_too_long"]),
        ("Último aviso", ["threat"]),
    ],
)
def test_email_subject(subject: str | None, expected: list[str]) -> None:
    assert codes(check_copy(Channel.EMAIL, EMAIL, CONTEXT, subject=subject)) == expected


def test_email_body_limit() -> None:
    body = EMAIL + " " + "a" * 5000
    assert codes(check_copy(Channel.EMAIL, body, CONTEXT, subject="Oi")) == ["too_long"]


def test_sms_must_fit_160_gsm7_characters_with_the_longest_values() -> None:
    long_sms = "Olá {nome}! " + SMS
    problems = check_copy(Channel.SMS, long_sms, CONTEXT)
    assert codes(problems) == ["sms_too_long"]
    assert problems[0].params_dict()["length"] > 160


def test_sms_length_is_not_computed_while_placeholders_are_wrong() -> None:
    assert codes(check_copy(Channel.SMS, SMS + " {x}", CONTEXT)) == ["unknown_placeholder"]


def test_sms_with_characters_a_phone_cannot_show() -> None:
    assert codes(check_copy(Channel.SMS, SMS + " 🙂", CONTEXT)) == ["sms_charset"]
    # Accents are fine: they are written without the accent.
    assert check_copy(Channel.SMS, SMS.replace("conta", "ação"), CONTEXT) == ()


@pytest.mark.parametrize("template", [None, "", "Lembrete 1", "HX123"])
def test_whatsapp_needs_an_approved_template(template: str | None) -> None:
    problems = check_copy(Channel.WHATSAPP, WHATSAPP, CONTEXT, provider_template=template)
    assert codes(problems) == ["whatsapp_template"]


def test_whatsapp_length() -> None:
    body = WHATSAPP + " " + "a" * 1024
    problems = check_copy(Channel.WHATSAPP, body, CONTEXT, provider_template="lembrete")
    assert codes(problems) == ["too_long"]


def test_render_and_parse() -> None:
    assert render("{empresa}: {valor}", {"empresa": "ACME", "valor": "R$ 1,00"}) == "ACME: R$ 1,00"
    with pytest.raises(KeyError):
        render("{link}", {})
    parsed = parse("{nome} {x} {link}}")
    assert parsed.names == ("nome", "link")
    assert parsed.unknown == ("x",)
    assert parsed.stray_braces


def test_to_gsm7_drops_only_the_accents_gsm_lacks() -> None:
    assert to_gsm7("Não há ação: você") == "Nao ha acao: voce"
    assert to_gsm7("é à ü Ç ñ") == "é à ü Ç ñ"  # in the GSM alphabet: kept
    assert to_gsm7("“Olá” – já… 1º") == '"Ola" - ja... 1o'
    assert to_gsm7("preço 🙂 €") == "preco ? €"
    assert to_gsm7("Ê") == "E"


def test_gsm7_length_counts_extension_characters_twice() -> None:
    assert gsm7_length("abc") == 3
    assert gsm7_length("[€]") == 6
    assert gsm7_length("ã") is None


def test_fit_sms() -> None:
    assert fit_sms("Ação " * 32) == "Acao " * 32  # 160 characters
    assert fit_sms("Ação " * 32 + "!") is None
    assert fit_sms("€" * 81) is None
    assert fit_sms("€" * 80) == "€" * 80


def test_short_link_paths() -> None:
    assert link_path_ok("/a/" + "x" * 22)
    assert link_path_ok("/" + "x" * 25)
    assert not link_path_ok("/" + "x" * 26)
    assert not link_path_ok("a/x")


def test_normalise() -> None:
    assert normalise("  Ação\tJUDICIAL ") == "acao judicial"
