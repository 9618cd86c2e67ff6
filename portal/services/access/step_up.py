"""Step-up: a fresh one-time code before every act with legal or money effect.

Accepting an agreement, cancelling one, changing contact data, exporting data (and whatever
of that kind comes later) each need a code:

* sent to a contact **the company concerned** has on file (never another company's);
* bound to the one act it confirms (``OneTimeCode.act`` and ``subject``): a code asked for
  cancelling agreement 12 confirms nothing else, not even cancelling agreement 13;
* whose message says what it confirms: the company, the agreement, the amount;
* single use, 10 minutes, 5 attempts (``portal.services.access.codes``).

A new act is one more ``Act`` member and its description in ``act_label`` and in
``templates/emails/step_up_code``; pages use ``portal/debtor/step_up.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.core import DbSession
from portal.core.context import Actor
from portal.core.formatting import brl
from portal.models import Channel, CodePurpose, Creditor, OneTimeCode
from portal.services.access.codes import (
    CodeUnavailable,
    available_channels,
    masked_destination,
    send_code,
    verify_code,
)
from portal.services.access.proofs import relationship


class Act(StrEnum):
    ACCEPT = "accept"  # accepting an agreement
    CANCEL = "cancel"  # cancelling an agreement
    CONTACT = "contact"  # changing the contact data a company has
    EXPORT = "export"  # exporting one's data (LGPD art. 19)
    CORRECTION = "correction"  # asking a company to correct one's data (LGPD art. 18 III)
    PREFERENCES = "preferences"  # changing which channels one's reminders may use


@dataclass(frozen=True)
class StepUp:
    """One act, as precisely as its code message describes it."""

    act: Act
    creditor: Creditor
    subject: str  # what exactly: "offer:<token>:<payments>", "agreement:<id>", "contact"
    agreement_id: int | None = None
    amount_cents: int | None = None

    @property
    def key(self) -> str:
        return f"{self.act.value}:{self.creditor.id}:{self.subject}"


def act_label(act: Act, agreement_id: int | None = None) -> str:
    """What the code confirms, in the current locale (pages and the SMS)."""
    if act == Act.ACCEPT:
        return _("aceitar o acordo")
    if act == Act.CANCEL:
        return _("cancelar o acordo nº %(n)s", n=agreement_id)
    if act == Act.CONTACT:
        return _("alterar seus dados de contato")
    if act == Act.CORRECTION:
        return _("pedir a correção dos seus dados")
    if act == Act.PREFERENCES:
        return _("alterar suas preferências de mensagens")
    return _("exportar seus dados")


def step_up_destinations(
    session: DbSession, debtor_id: int, step: StepUp, *, text_messages: bool
) -> list[tuple[Channel, str]]:
    """Where the code can go (masked): the contacts the company concerned has on file."""
    rel = relationship(session, step.creditor.id, debtor_id)
    if rel is None:
        return []
    return [
        (channel, masked_destination(rel, channel))
        for channel in available_channels(rel, text_messages=text_messages)
    ]


def _sms(step: StepUp) -> Callable[[str, int], str]:
    def text(code: str, minutes: int) -> str:
        with force_locale("pt_BR"):
            what = act_label(step.act, step.agreement_id)
            amount = f" ({brl(step.amount_cents)})" if step.amount_cents else ""
            return _(
                "Portal de Acordos: o código %(code)s confirma %(what)s com %(company)s"
                "%(amount)s. Vale por %(minutes)s minutos. Não compartilhe com ninguém.",
                code=code,
                what=what,
                company=step.creditor.display_name,
                amount=amount,
                minutes=minutes,
            )

    return text


def send_step_up_code(
    session: DbSession,
    debtor_id: int,
    step: StepUp,
    *,
    channel: Channel,
    ttl: timedelta,
    actor: Actor,
    now: datetime,
) -> OneTimeCode:
    """Send a code for ``step`` to the company's contact; ``CodeUnavailable`` if it has none."""
    rel = relationship(session, step.creditor.id, debtor_id)
    if rel is None:
        raise CodeUnavailable(channel.value)
    return send_code(
        session,
        rel,
        purpose=CodePurpose.STEP_UP,
        channel=channel,
        ttl=ttl,
        actor=actor,
        now=now,
        act=step.act.value,
        subject=step.subject,
        template="step_up_code",
        message={
            "act": step.act.value,
            "creditor": step.creditor.legal_name,
            "creditor_cnpj": step.creditor.cnpj_formatted,
            "agreement_id": step.agreement_id,
            "amount_cents": step.amount_cents,
        },
        text=_sms(step),
    )


def confirm_step_up(
    session: DbSession,
    code_id: int,
    debtor_id: int,
    step: StepUp,
    guess: str,
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """True once, for the right code sent for exactly this act; uses the code up."""
    return verify_code(
        session,
        code_id,
        debtor_id,
        guess,
        purpose=CodePurpose.STEP_UP,
        actor=actor,
        now=now,
        creditor_id=step.creditor.id,
        act=step.act.value,
        subject=step.subject,
    )
