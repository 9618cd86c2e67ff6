"""A sensible demo régua for each demo company: five phases, three channels, one A/B test.

Humane wording throughout (the same checker as the back-office refuses anything else): a
friendly reminder before the due date, a short SMS the day after, a WhatsApp note a week
later, an e-mail with an A/B subject at two weeks, a negotiation offer at 30 days and a
calm final notice at 60. The school skips Saturdays, to show a company's own window.
"""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.context import SYSTEM
from portal.domain.regua import Phase, Step, StepText
from portal.domain.regua_copy import Channel
from portal.domain.regua_hours import DayWindow, SendingWindow
from portal.models import Creditor, ReguaVersion
from portal.services.regua.rulers import Draft, publish_ruler

DEMO_CNPJ_PREFIXES = ("12345678", "98765432", "45612378")

PRE_DUE = StepText(
    "Olá, {nome}.\n\nEste é um lembrete amigável da {empresa} (CNPJ {cnpj}): há uma conta "
    "de {valor} com vencimento em {vencimento}.\n\nSe já pagou, desconsidere esta mensagem. "
    "Para ver os detalhes e as formas de pagamento, acesse: {link}\n\n{sair}",
    subject="{empresa}: seu vencimento está chegando",
)
FIRST_NOTICE = StepText("{empresa} CNPJ {cnpj}: {valor} em aberto. Veja: {link} {sair}")
WHATSAPP = StepText(
    "Olá, {nome}. A {empresa} (CNPJ {cnpj}) lembra que a conta de {valor}, vencida em "
    "{vencimento}, continua em aberto. Veja as opções de pagamento: {link}. {sair}",
    provider_template="lembrete_pendencia",
)
INTENSIFICATION_A = StepText(
    "Olá, {nome}.\n\nA conta de {valor} com a {empresa} (CNPJ {cnpj}), vencida em "
    "{vencimento}, continua em aberto. Se algo aconteceu, podemos conversar: no portal você "
    "vê tudo com calma e escolhe a melhor forma de pagar.\n\n{link}\n\n{sair}",
    subject="{empresa}: sua conta continua em aberto",
)
INTENSIFICATION_B = StepText(
    "Olá, {nome}.\n\nImprevistos acontecem. A {empresa} (CNPJ {cnpj}) quer ajudar você a "
    "resolver a conta de {valor}, vencida em {vencimento}, do jeito que couber no seu "
    "orçamento.\n\nVeja as opções: {link}\n\n{sair}",
    subject="{nome}, podemos ajudar com a sua conta?",
)
NEGOTIATION = StepText(
    "Olá, {nome}.\n\nA {empresa} (CNPJ {cnpj}) preparou condições para você quitar ou "
    "parcelar a conta de {valor}, vencida em {vencimento}, com desconto à vista ou em "
    "parcelas que caibam no seu orçamento.\n\nSimule sem compromisso: {link}\n\n{sair}",
    subject="{empresa}: condições especiais para a sua conta",
)
FINAL_NOTICE = StepText(
    "Olá, {nome}.\n\nEste é o último lembrete da {empresa} (CNPJ {cnpj}) sobre a conta de "
    "{valor}, vencida em {vencimento}. Seguimos à disposição para encontrar uma solução que "
    "caiba no seu orçamento.\n\nVeja as opções: {link}\n\n{sair}",
    subject="{empresa}: um último lembrete sobre a sua conta",
)


def demo_steps() -> tuple[Step, ...]:
    return (
        Step(Phase.PRE_DUE, -3, Channel.EMAIL, PRE_DUE),
        Step(Phase.FIRST_NOTICE, 1, Channel.SMS, FIRST_NOTICE),
        Step(Phase.INTENSIFICATION, 7, Channel.WHATSAPP, WHATSAPP),
        Step(Phase.INTENSIFICATION, 15, Channel.EMAIL, INTENSIFICATION_A, INTENSIFICATION_B),
        Step(Phase.NEGOTIATION, 30, Channel.EMAIL, NEGOTIATION),
        Step(Phase.FINAL_NOTICE, 60, Channel.EMAIL, FINAL_NOTICE),
    )


def demo_draft(creditor: Creditor) -> Draft:
    school = creditor.cnpj.startswith(DEMO_CNPJ_PREFIXES[2])
    window = SendingWindow(DayWindow(time(9), time(19)), None) if school else SendingWindow()
    return Draft(demo_steps(), window, note="régua de demonstração")


def seed_demo_rulers(session: DbSession) -> int:
    """Publish the demo régua for each demo company that has none; returns how many."""
    creditors = session.scalars(sa.select(Creditor).order_by(Creditor.id)).all()
    created = 0
    for creditor in creditors:
        if not creditor.cnpj.startswith(DEMO_CNPJ_PREFIXES):
            continue
        exists = session.scalar(
            sa.select(ReguaVersion.id).where(ReguaVersion.creditor_id == creditor.id).limit(1)
        )
        if exists is None:
            publish_ruler(session, creditor, demo_draft(creditor), actor=SYSTEM)
            created += 1
    return created
