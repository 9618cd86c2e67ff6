"""The pages' side of step-up (``portal.services.access.step_up``): one mechanism for every act
with legal or money effect.

A page that needs a fresh code for its act:

1. registers how to rebuild the act from its URL reference (``@builder(Act.X)``): the act
   is always rebuilt on the server from rows the session may see, so what the code message
   says (company, agreement, amount) is never taken from the browser;
2. renders ``step_up_context(step, back)`` with the ``step_up_send`` macro
   (``components/step_up.html``): a button that sends the code to the company's contact;
3. on its own POST calls ``consume(step, guess)`` before acting: True once, for a code sent
   for exactly this act. The code is used up in its own unit of work, whatever the act does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, session, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.debtor.forms import SendCodeForm
from portal.extensions import db
from portal.http import request_actor
from portal.models import Channel
from portal.services.access import Act, StepUp, confirm_step_up, step_up_destinations

Builder = Callable[[str], StepUp]
BUILDERS: dict[Act, Builder] = {}
_SESSION_KEY = "step_up"
_KEPT = 5  # codes remembered per session (one per act in progress)


def builder(act: Act) -> Callable[[Builder], Builder]:
    """Register how to rebuild ``act`` from its reference in the URL (404 when not allowed)."""

    def register(build: Builder) -> Builder:
        BUILDERS[act] = build
        return build

    return register


def text_messages() -> bool:
    return bool(current_app.config["TEXT_MESSAGE_BACKEND"] != "none")


def destinations(step: StepUp) -> list[tuple[Channel, str]]:
    return step_up_destinations(db.session, g.debtor.id, step, text_messages=text_messages())


def send_form(step: StepUp) -> SendCodeForm:
    labels = {Channel.EMAIL: _("E-mail"), Channel.SMS: _("SMS")}
    form = SendCodeForm()
    form.channel.choices = [
        SelectChoice(channel.value, f"{labels[channel]}: {masked}")
        for channel, masked in destinations(step)
    ]
    if form.channel.data is None and form.channel.choices:
        form.channel.data = form.channel.choices[0].value
    return form


def remember(step: StepUp, code_id: int) -> None:
    codes = {k: v for k, v in session.get(_SESSION_KEY, {}).items() if k != step.key}
    codes[step.key] = code_id
    session[_SESSION_KEY] = dict(list(codes.items())[-_KEPT:])


def code_sent(step: StepUp) -> bool:
    return step.key in session.get(_SESSION_KEY, {})


def step_up_context(step: StepUp, ref: str, back: str) -> dict[str, Any]:
    """What the ``step_up_send`` macro needs."""
    return {
        "form": send_form(step),
        "action": url_for("debtor.step_up_send", act=step.act.value, ref=ref),
        "back": back,
        "code_sent": code_sent(step),
        "company": step.creditor.display_name,
    }


def consume(step: StepUp, guess: str) -> bool:
    """Use up the code sent for exactly ``step`` (committed on its own, whatever follows)."""
    code_id = session.get(_SESSION_KEY, {}).get(step.key)
    if not code_id:
        return False
    with unit_of_work(db.session):
        verified = confirm_step_up(
            db.session,
            int(code_id),
            g.debtor.id,
            step,
            guess,
            actor=request_actor(),
            now=now_utc(),
        )
    if verified:
        session[_SESSION_KEY] = {
            k: v for k, v in session.get(_SESSION_KEY, {}).items() if k != step.key
        }
    return verified
