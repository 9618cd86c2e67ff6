"""Loading and publishing a company's régua (versioned like the negotiation policy).

Publishing appends the next version with its steps; nothing is ever updated. Before that,
every step is checked by the domain (structure and humane copy, with this company's name,
CNPJ and link length), and in production a step on a channel without a configured provider
refuses the whole version: a régua must not start and then silently drop messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

import sqlalchemy as sa
from flask import current_app

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.errors import N_, Message
from portal.domain.regua import Phase, Ruler, Step, StepProblem, StepText, ruler_problems
from portal.domain.regua_copy import Channel
from portal.domain.regua_hours import DayWindow, SendingWindow
from portal.domain.whatsapp import is_content_sid
from portal.models import Creditor, ReguaStep, ReguaVersion
from portal.services.regua.texts import copy_context


class NoRuler(LookupError):
    """The company has not published a régua yet."""


class RulerRefused(ValueError):
    """The ruler cannot be published; ``problems`` says why, step by step."""

    def __init__(self, problems: Sequence[StepProblem]) -> None:
        super().__init__(", ".join(p.message.code for p in problems))
        self.problems = tuple(problems)


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def window_json(window: SendingWindow) -> dict[str, Any]:
    saturday = window.saturday
    return {
        "weekdays": [_hhmm(window.weekdays.start), _hhmm(window.weekdays.end)],
        "saturday": [_hhmm(saturday.start), _hhmm(saturday.end)] if saturday else None,
    }


def window_of(data: dict[str, Any]) -> SendingWindow:
    weekdays = DayWindow(*(time.fromisoformat(v) for v in data["weekdays"]))
    saturday = data.get("saturday")
    return SendingWindow(
        weekdays, DayWindow(*(time.fromisoformat(v) for v in saturday)) if saturday else None
    )


def step_of(row: ReguaStep) -> Step:
    variant_b = None
    if row.body_b:
        variant_b = StepText(row.body_b, row.subject_b, row.provider_template_b)
    return Step(
        Phase(row.phase),
        row.offset_days,
        Channel(row.channel),
        StepText(row.body, row.subject, row.provider_template),
        variant_b,
    )


def ruler_of(row: ReguaVersion) -> Ruler:
    return Ruler(tuple(step_of(s) for s in row.steps), window_of(row.window))


def current_version(session: DbSession, creditor_id: int) -> ReguaVersion:
    row = session.scalar(
        sa.select(ReguaVersion)
        .where(ReguaVersion.creditor_id == creditor_id)
        .order_by(ReguaVersion.version.desc())
        .limit(1)
    )
    if row is None:
        raise NoRuler(creditor_id)
    return row


def latest_or_none(session: DbSession, creditor_id: int) -> ReguaVersion | None:
    try:
        return current_version(session, creditor_id)
    except NoRuler:
        return None


def active_versions(session: DbSession) -> dict[int, ReguaVersion]:
    """The latest version of every company whose régua is on, by creditor id."""
    latest = (
        sa.select(ReguaVersion.creditor_id, sa.func.max(ReguaVersion.version).label("v"))
        .group_by(ReguaVersion.creditor_id)
        .subquery()
    )
    rows = session.scalars(
        sa.select(ReguaVersion).join(
            latest,
            sa.and_(
                ReguaVersion.creditor_id == latest.c.creditor_id,
                ReguaVersion.version == latest.c.v,
            ),
        )
    )
    return {row.creditor_id: row for row in rows if row.enabled}


def available_channels() -> frozenset[Channel]:
    """E-mail always (SMTP or the outbox); SMS and WhatsApp when a provider offers them."""
    offered = current_app.extensions["text_provider"].channels()
    return frozenset({Channel.EMAIL} | {Channel(c) for c in offered})


def check_ruler(creditor: Creditor, steps: Sequence[Step], *, enabled: bool) -> list[StepProblem]:
    """Every reason not to publish: domain checks, then channels without a provider."""
    problems = ruler_problems(steps, lambda channel: copy_context(creditor, channel))
    if enabled:
        offered = available_channels()
        for position, step in enumerate(steps, start=1):
            if step.channel not in offered:
                problems.append(
                    StepProblem(
                        position,
                        Message.of(
                            "no_provider",
                            N_(
                                "não há provedor de %(channel)s configurado: "
                                "a régua não pode começar com este passo"
                            ),
                            channel=step.channel.value,
                        ),
                    )
                )
        problems.extend(_unmapped_templates(steps))
    return problems


def _unmapped_templates(steps: Sequence[Step]) -> list[StepProblem]:
    """WhatsApp steps naming a template that Twilio's map has no Content SID for."""
    mapping = getattr(current_app.extensions["text_provider"], "whatsapp_templates", None)
    if mapping is None:  # the outbox: any approved name will do
        return []
    problems = []
    for position, step in enumerate(steps, start=1):
        if step.channel is not Channel.WHATSAPP:
            continue
        names = {step.text_for(v).provider_template for v in ("A", "B")}
        for name in sorted(n for n in names if n and not is_content_sid(n) and n not in mapping):
            problems.append(
                StepProblem(
                    position,
                    Message.of(
                        "no_content_sid",
                        N_(
                            "o modelo de WhatsApp %(template)s não tem Content SID configurado "
                            "(TWILIO_WHATSAPP_TEMPLATES)"
                        ),
                        template=name,
                    ),
                )
            )
    return problems


@dataclass(frozen=True, slots=True)
class Draft:
    steps: tuple[Step, ...]
    window: SendingWindow
    enabled: bool = True
    note: str | None = None


def publish_ruler(
    session: DbSession, creditor: Creditor, draft: Draft, *, actor: Actor
) -> ReguaVersion:
    """Append the next version of the company's régua, or raise :class:`RulerRefused`.

    Two concurrent publishers race on the unique (creditor, version): one fails with an
    IntegrityError and can retry; no version is ever overwritten.
    """
    problems = check_ruler(creditor, draft.steps, enabled=draft.enabled)
    if problems:
        raise RulerRefused(problems)
    latest = session.scalar(
        sa.select(sa.func.max(ReguaVersion.version)).where(ReguaVersion.creditor_id == creditor.id)
    )
    row = ReguaVersion(
        creditor_id=creditor.id,
        version=(latest or 0) + 1,
        enabled=draft.enabled,
        window=window_json(draft.window),
        note=draft.note,
        created_by_type=actor.type.value,
        created_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    for position, step in enumerate(draft.steps, start=1):
        b = step.variant_b
        session.add(
            ReguaStep(
                version_id=row.id,
                position=position,
                phase=step.phase.value,
                offset_days=step.offset_days,
                channel=step.channel.value,
                subject=step.text.subject,
                body=step.text.body,
                provider_template=step.text.provider_template,
                subject_b=b.subject if b else None,
                body_b=b.body if b else None,
                provider_template_b=b.provider_template if b else None,
            )
        )
    session.flush()
    session.expire(row, ["steps"])
    record_event(
        session,
        actor,
        "regua.published",
        subject=("regua", row.id),
        creditor_id=creditor.id,
        details={"version": row.version, "steps": len(draft.steps), "enabled": draft.enabled},
    )
    return row
