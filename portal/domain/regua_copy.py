"""The wording of reminder messages: placeholders, the humane-copy checker and SMS fitting.

A template is pt-BR text with placeholders in braces, from a closed list (:data:`PLACEHOLDERS`).
Why not Jinja: a company's staff write these templates, and a closed list of names with no
expressions, loops or attribute access cannot reach anything but the values we hand it.

**The checker** (:func:`check_copy`) refuses, each time with a reason (a translatable
``Message``), what the law or decency forbid and what the message must carry:

* CDC art. 42: no threat, no exposure to ridicule, no embarrassment — a word list of threats
  (prison, police, lawsuits, seizure, "nome sujo", negativação as a threat…) and of exposure
  (neighbours, family, employer, social networks, insulting names), no shouting in capitals
  and no more than one exclamation mark;
* CDC art. 42-A: the company's name and CNPJ in every collection message;
* the amount, the short access link (and no other web address), and the opt-out line;
* channel limits: an SMS fits 160 GSM-7 characters with the longest values a placeholder may
  take, a WhatsApp message names its approved provider template, an e-mail has a subject.

**SMS fitting**: GSM-7 holds some accented letters (é, à, ü, Ç…) but not most Portuguese ones
(ã, ç, ê, ó…); a single one turns the whole SMS into UCS-2, where a segment holds 70
characters instead of 160. :func:`to_gsm7` writes those letters without their accent (the
usual practice in Brazilian SMS), so a message stays one 160-character segment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from portal.domain.errors import N_, Message


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


PLACEHOLDERS: Final = ("nome", "empresa", "cnpj", "valor", "vencimento", "link", "sair")
REQUIRED: Final = ("empresa", "cnpj", "valor", "link", "sair")
SUBJECT_PLACEHOLDERS: Final = frozenset({"nome", "empresa"})
SMS_LIMIT: Final = 160
WHATSAPP_LIMIT: Final = 1024
EMAIL_BODY_LIMIT: Final = 5000
SUBJECT_LIMIT: Final = 120
MAX_LINK_PATH: Final = 26
FIRST_NAME_LIMIT: Final = 20
# The longest value each debtor-dependent placeholder may take (amounts up to R$ 999.999,99:
# a longer one is caught when the message is rendered and the SMS is refused then).
WORST_CASE: Final[Mapping[str, str]] = {
    "nome": "N" * FIRST_NAME_LIMIT,
    "valor": "R$ 999.999,99",
    "vencimento": "00/00/0000",
}
# An approved WhatsApp template: a Twilio Content SID or a provider template name.
_PROVIDER_TEMPLATE = re.compile(r"HX[0-9a-fA-F]{32}|[a-z0-9_]{1,120}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_WEB_ADDRESS = re.compile(r"https?://|www\.", re.IGNORECASE)
_CAPITAL_WORD = re.compile(r"\b[A-Z]{2,}\b")
_ACRONYMS: Final = frozenset({"CNPJ", "CPF", "SAIR", "PIX", "SMS", "R", "CDC", "LGPD"})

# GSM 03.38 default alphabet and its extension table (two septets each).
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: Final = frozenset("^{}\\[~]|€\f")
_GSM7_SUBSTITUTES: Final[Mapping[str, str]] = {
    "ç": "c",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "º": "o",
    "ª": "a",
    "\u00a0": " ",
    "•": "-",
}

# Normalised (lower case, no accents) terms; matched on whole words.
THREAT_TERMS: Final = (
    "prisao",
    "preso",
    "presa",
    "cadeia",
    "policia",
    "delegacia",
    "boletim de ocorrencia",
    "crime",
    "criminal",
    "processo",
    "processar",
    "processaremos",
    "acao judicial",
    "justica",
    "juridico",
    "tribunal",
    "penhora",
    "penhorar",
    "bloqueio de bens",
    "leilao",
    "execucao",
    "protesto",
    "protestar",
    "cartorio",
    "negativar",
    "negativacao",
    "negativado",
    "nome sujo",
    "sujar seu nome",
    "spc",
    "serasa",
    "consequencias",
    "medidas cabiveis",
    "medidas legais",
    "ultimo aviso",
    "ultima chance",
    "sem mais avisos",
)
EXPOSURE_TERMS: Final = (
    "vizinho",
    "vizinhos",
    "familia",
    "familiares",
    "parentes",
    "empregador",
    "seu chefe",
    "colegas",
    "local de trabalho",
    "redes sociais",
    "divulgar",
    "divulgaremos",
    "expor",
    "exposto",
    "publicamente",
    "lista de devedores",
    "lista de inadimplentes",
    "caloteiro",
    "caloteira",
    "calote",
    "mau pagador",
    "ma pagadora",
    "vergonha",
    "irresponsavel",
)


def normalise(text: str) -> str:
    """Lower case, accents removed, runs of blanks collapsed (for the word list)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    return re.compile(rf"\b(?:{alternatives})\b")


_THREATS = _term_pattern(THREAT_TERMS)
_EXPOSURE = _term_pattern(EXPOSURE_TERMS)


@dataclass(frozen=True, slots=True)
class Parsed:
    """The placeholders a text uses, in order, and whether its braces are well formed."""

    names: tuple[str, ...]
    unknown: tuple[str, ...]
    stray_braces: bool


def parse(text: str) -> Parsed:
    names = tuple(_PLACEHOLDER.findall(text))
    rest = _PLACEHOLDER.sub("", text)
    return Parsed(
        names=tuple(n for n in names if n in PLACEHOLDERS),
        unknown=tuple(n for n in names if n not in PLACEHOLDERS),
        stray_braces="{" in rest or "}" in rest,
    )


def render(text: str, values: Mapping[str, str]) -> str:
    """Replace each ``{name}`` with its value; a name without a value raises ``KeyError``."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def to_gsm7(text: str) -> str:
    """``text`` in the GSM-7 alphabet: accents GSM lacks are dropped (ã→a, ç→c, ê→e), a few
    typographic signs replaced, anything else without an equivalent becomes ``?``."""
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
            continue
        if ch in _GSM7_SUBSTITUTES:
            out.append(_GSM7_SUBSTITUTES[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(c in GSM7_BASIC for c in base) else "?")
    return "".join(out)


def gsm7_length(text: str) -> int | None:
    """Septets ``text`` takes in GSM-7 (extension characters count two); None if it does
    not fit the alphabet at all."""
    total = 0
    for ch in text:
        if ch in GSM7_BASIC:
            total += 1
        elif ch in GSM7_EXTENSION:
            total += 2
        else:
            return None
    return total


def fit_sms(text: str) -> str | None:
    """The SMS as sent (GSM-7, one 160-character segment), or None when it does not fit."""
    fitted = to_gsm7(text)
    length = gsm7_length(fitted)
    return fitted if length is not None and length <= SMS_LIMIT else None


def link_path_ok(path: str) -> bool:
    """An access link short enough for an SMS: a path of at most 26 characters."""
    return path.startswith("/") and len(path) <= MAX_LINK_PATH


@dataclass(frozen=True, slots=True)
class CopyContext:
    """What the checker needs to know about the company and the links it will send."""

    company: str
    cnpj: str  # formatted, 18 characters
    link_example: str  # an access link as long as the real ones
    opt_out_line: str  # the line {sair} renders to on this channel


def _problem(code: str, key: str, **params: int | str) -> Message:
    return Message.of(code, key, **params)


def _wording(text: str) -> list[Message]:
    problems: list[Message] = []
    plain = normalise(text)
    for pattern, code, key in (
        (_THREATS, "threat", N_("sem ameaças (CDC art. 42): retire “%(term)s”")),
        (
            _EXPOSURE,
            "exposure",
            N_("sem exposição nem constrangimento (CDC art. 42): retire “%(term)s”"),
        ),
    ):
        seen: set[str] = set()
        for match in pattern.finditer(plain):
            term = match.group(0)
            if term not in seen:
                seen.add(term)
                problems.append(_problem(code, key, term=term))
    shouted = [w for w in _CAPITAL_WORD.findall(_PLACEHOLDER.sub("", text)) if w not in _ACRONYMS]
    if shouted:
        problems.append(
            _problem(
                "shouting",
                N_("sem palavras inteiras em maiúsculas, que soam como grito: “%(word)s”"),
                word=shouted[0],
            )
        )
    if text.count("!") > 1:
        problems.append(_problem("exclamation", N_("no máximo um ponto de exclamação")))
    if _WEB_ADDRESS.search(text):
        problems.append(
            _problem("other_link", N_("o único endereço na mensagem é o link de acesso, {link}"))
        )
    return problems


def _placeholders(text: str, *, allowed: frozenset[str] | None = None) -> list[Message]:
    parsed = parse(text)
    problems = [
        _problem("unknown_placeholder", N_("campo desconhecido: {%(name)s}"), name=name)
        for name in dict.fromkeys(parsed.unknown)
    ]
    if allowed is not None:
        problems += [
            _problem("subject_placeholder", N_("o assunto não pode usar {%(name)s}"), name=name)
            for name in dict.fromkeys(parsed.names)
            if name not in allowed
        ]
    if parsed.stray_braces:
        problems.append(_problem("stray_brace", N_("há uma chave { ou } sem par")))
    return problems


def worst_case_values(context: CopyContext) -> dict[str, str]:
    return {
        **WORST_CASE,
        "empresa": context.company,
        "cnpj": context.cnpj,
        "link": context.link_example,
        "sair": context.opt_out_line,
    }


def check_copy(
    channel: Channel,
    body: str,
    context: CopyContext,
    *,
    subject: str | None = None,
    provider_template: str | None = None,
) -> tuple[Message, ...]:
    """Every reason to refuse this template; empty when it may be saved."""
    if not body.strip():
        return (_problem("empty", N_("escreva o texto da mensagem")),)
    problems = _placeholders(body) + _wording(body)
    used = set(parse(body).names)
    problems += [
        _problem("missing_placeholder", N_("inclua {%(name)s}"), name=name)
        for name in REQUIRED
        if name not in used
    ]
    if channel == Channel.EMAIL:
        problems += _check_subject(subject)
        if len(body) > EMAIL_BODY_LIMIT:
            problems.append(
                _problem("too_long", N_("no máximo %(limit)s caracteres"), limit=EMAIL_BODY_LIMIT)
            )
    elif channel == Channel.SMS:
        problems += _check_sms(body, context, clean=not problems)
    else:
        if provider_template is None or not _PROVIDER_TEMPLATE.fullmatch(provider_template):
            problems.append(
                _problem(
                    "whatsapp_template",
                    N_("informe o nome do modelo aprovado no WhatsApp (ex.: lembrete_vencimento)"),
                )
            )
        if len(body) > WHATSAPP_LIMIT:
            problems.append(
                _problem("too_long", N_("no máximo %(limit)s caracteres"), limit=WHATSAPP_LIMIT)
            )
    return tuple(problems)


def _check_subject(subject: str | None) -> list[Message]:
    if subject is None or not subject.strip():
        return [_problem("subject_missing", N_("escreva o assunto do e-mail"))]
    problems = _placeholders(subject, allowed=SUBJECT_PLACEHOLDERS) + _wording(subject)
    if len(subject) > SUBJECT_LIMIT:
        problems.append(
            _problem(
                "subject_too_long",
                N_("assunto com no máximo %(limit)s caracteres"),
                limit=SUBJECT_LIMIT,
            )
        )
    return problems


def _check_sms(body: str, context: CopyContext, *, clean: bool) -> list[Message]:
    if "?" in to_gsm7(body.replace("?", "")):
        return [
            _problem("sms_charset", N_("o SMS tem caracteres que o celular não mostra (emoji?)"))
        ]
    problems: list[Message] = []
    if clean:  # the length is only meaningful once every placeholder is known
        rendered = to_gsm7(render(body, worst_case_values(context)))
        length = len(rendered) + sum(1 for ch in rendered if ch in GSM7_EXTENSION)
        if length > SMS_LIMIT:
            problems.append(
                _problem(
                    "sms_too_long",
                    N_(
                        "o SMS pode chegar a %(length)s caracteres; o limite é 160 "
                        "(conte %(name_limit)s para o nome e 13 para o valor)"
                    ),
                    length=length,
                    name_limit=FIRST_NAME_LIMIT,
                )
            )
    return problems
