"""Publishing a company's régua: versions, the copy checker, providers in production."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest
from flask import Flask

from portal.adapters.messaging.provider import NoTextProvider
from portal.core.context import SYSTEM
from portal.domain.regua import Phase, Step, StepText
from portal.domain.regua_copy import Channel
from portal.domain.regua_hours import DayWindow, SendingWindow
from portal.extensions import db
from portal.models import ImmutableReguaError
from portal.services.regua.demo import demo_steps
from portal.services.regua.rulers import (
    Draft,
    NoRuler,
    RulerRefused,
    current_version,
    publish_ruler,
    ruler_of,
    window_json,
    window_of,
)
from tests.factories import create_creditor

pytestmark = pytest.mark.usefixtures("ctx")


def test_versions_are_appended_and_read_back_intact() -> None:
    creditor = create_creditor()
    with pytest.raises(NoRuler):
        current_version(db.session, creditor.id)
    window = SendingWindow(DayWindow(time(9), time(18)), None)
    first = publish_ruler(db.session, creditor, Draft(demo_steps(), window), actor=SYSTEM)
    second = publish_ruler(
        db.session, creditor, Draft(demo_steps()[:2], SendingWindow(), note="curta"), actor=SYSTEM
    )
    assert (first.version, second.version) == (1, 2)
    db.session.expire_all()
    assert current_version(db.session, creditor.id).note == "curta"
    loaded = ruler_of(db.session.get(type(first), first.id))  # type: ignore[arg-type]
    assert loaded.steps == demo_steps() and loaded.window == window
    assert window_of(window_json(SendingWindow())) == SendingWindow()


def test_a_version_cannot_change() -> None:
    creditor = create_creditor()
    row = publish_ruler(db.session, creditor, Draft(demo_steps(), SendingWindow()), actor=SYSTEM)
    row.steps[0].body = "outro"
    with pytest.raises(ImmutableReguaError):
        db.session.flush()
    db.session.rollback()


def test_threatening_copy_is_refused_with_its_reasons() -> None:
    creditor = create_creditor()
    bad = replace(
        demo_steps()[1],
        text=StepText("{empresa} {cnpj}: pague {valor} ou chamaremos a polícia. {link}"),
    )
    with pytest.raises(RulerRefused) as refused:
        publish_ruler(db.session, creditor, Draft((bad,), SendingWindow()), actor=SYSTEM)
    found = [(p.position, p.message.code) for p in refused.value.problems]
    assert found == [(1, "threat"), (1, "missing_placeholder")]


def test_production_refuses_a_channel_without_a_provider(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.extensions, "text_provider", NoTextProvider())
    creditor = create_creditor()
    with pytest.raises(RulerRefused) as refused:
        publish_ruler(db.session, creditor, Draft(demo_steps(), SendingWindow()), actor=SYSTEM)
    codes = {(p.position, p.message.code) for p in refused.value.problems}
    assert codes == {(2, "no_provider"), (3, "no_provider")}
    only_email = tuple(s for s in demo_steps() if s.channel == Channel.EMAIL)
    assert publish_ruler(db.session, creditor, Draft(only_email, SendingWindow()), actor=SYSTEM)
    paused = Draft(demo_steps(), SendingWindow(), enabled=False)
    assert publish_ruler(db.session, creditor, paused, actor=SYSTEM).enabled is False


def test_the_sms_limit_uses_the_companys_real_name() -> None:
    long_name = create_creditor(trade_name="Companhia Metropolitana de Saneamento Básico")
    sms = Step(Phase.FIRST_NOTICE, 1, Channel.SMS, demo_steps()[1].text)
    with pytest.raises(RulerRefused) as refused:
        publish_ruler(db.session, long_name, Draft((sms,), SendingWindow()), actor=SYSTEM)
    assert [p.message.code for p in refused.value.problems] == ["sms_too_long"]
