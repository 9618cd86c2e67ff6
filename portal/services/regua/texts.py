"""The words of a reminder: placeholder values, the opt-out line per channel, rendering.

Messages to debtors are always pt-BR (``force_locale``), whatever the language of whoever
triggered them. An SMS is fitted to GSM-7 (accents GSM lacks are dropped) and must then fit
one 160-character segment; a WhatsApp message carries the approved template's name and the
values of its placeholders in order, which the provider fills in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import format_currency
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from portal.domain.regua import StepText
from portal.domain.regua_copy import (
    FIRST_NAME_LIMIT,
    Channel,
    CopyContext,
    fit_sms,
    link_path_ok,
    parse,
    render,
)
from portal.models import Creditor

OPT_OUT_SALT = "regua.opt-out"
LINK_TOKEN_EXAMPLE = "x" * 22


def money_br(cents: int) -> str:
    """``R$ 1.234,56`` with a plain space (an SMS has no non-breaking space)."""
    text = format_currency(Decimal(cents).scaleb(-2), "BRL", locale="pt_BR")
    return text.replace("\xa0", " ")


def opt_out_url(message_id: int) -> str:
    token = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT).dumps(message_id)
    return f"{current_app.config['BASE_URL']}/sair/{token}"


def message_id_from_token(token: str) -> int | None:
    """The message an opt-out link was sent in; None for a token we did not sign."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT)
    try:
        value = serializer.loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def opt_out_line(channel: Channel, message_id: int | None = None) -> str:
    """What ``{sair}`` becomes: reply SAIR on a phone, a one-click link in an e-mail."""
    with force_locale("pt_BR"):
        if channel == Channel.SMS:
            return str(_("Responda SAIR p/ parar"))
        if channel == Channel.WHATSAPP:
            return str(_("Para não receber mais mensagens, responda SAIR."))
        url = opt_out_url(message_id) if message_id is not None else opt_out_url(0)
        return str(_("Para não receber mais e-mails de cobrança: %(url)s", url=url))


def access_link_example() -> str:
    return f"{current_app.config['BASE_URL']}/a/{LINK_TOKEN_EXAMPLE}"


def copy_context(creditor: Creditor, channel: Channel) -> CopyContext:
    return CopyContext(
        company=creditor.display_name,
        cnpj=creditor.cnpj_formatted,
        link_example=access_link_example(),
        opt_out_line=opt_out_line(channel),
    )


@dataclass(frozen=True, slots=True)
class MessageFacts:
    first_name: str
    creditor: Creditor
    amount_cents: int
    due_date: date
    link_url: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class RenderedReminder:
    body: str
    subject: str | None = None
    template: str | None = None
    parameters: tuple[str, ...] = ()


class CannotRender(ValueError):
    """The message cannot be built as the rules want it (too long an SMS, a long link)."""


def values_for(channel: Channel, facts: MessageFacts) -> dict[str, str]:
    return {
        "nome": facts.first_name[:FIRST_NAME_LIMIT],
        "empresa": facts.creditor.display_name,
        "cnpj": facts.creditor.cnpj_formatted,
        "valor": money_br(facts.amount_cents),
        "vencimento": facts.due_date.strftime("%d/%m/%Y"),
        "link": facts.link_url,
        "sair": opt_out_line(channel, facts.message_id),
    }


def render_reminder(channel: Channel, text: StepText, facts: MessageFacts) -> RenderedReminder:
    """The message as the debtor will read it, or :class:`CannotRender`."""
    from urllib.parse import urlsplit

    if not link_path_ok(urlsplit(facts.link_url).path):
        raise CannotRender("access link path longer than 26 characters")
    values = values_for(channel, facts)
    body = render(text.body, values).strip()
    if channel == Channel.SMS:
        fitted = fit_sms(body)
        if fitted is None:
            raise CannotRender("the SMS does not fit 160 GSM-7 characters")
        return RenderedReminder(fitted)
    if channel == Channel.WHATSAPP:
        parameters = tuple(values[name] for name in parse(text.body).names)
        return RenderedReminder(body, template=text.provider_template, parameters=parameters)
    subject = render(text.subject or "", values)
    return RenderedReminder(body, subject=" ".join(subject.split()))
