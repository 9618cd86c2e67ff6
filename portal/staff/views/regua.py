"""The régua editor, per company, for admins: steps, window, versions.

Every save publishes the next version (like the negotiation policy): a step edited, added
or removed, or the window changed, gives a new version with all the steps; messages keep
the version and step they were sent under. The domain checks every step before anything is
saved — wording (threats, exposure, required fields, SMS length) and structure — and the
reasons are shown next to the field they concern.
"""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from portal.auth.decorators import staff_required
from portal.core.uow import unit_of_work
from portal.domain.errors import Message
from portal.domain.regua import Phase, Step, StepText, structure_problems
from portal.domain.regua_copy import Channel, check_copy
from portal.domain.regua_hours import DayWindow, InvalidWindow, SendingWindow
from portal.extensions import db
from portal.http import request_actor
from portal.models import Creditor, ReguaVersion, StaffRole
from portal.services.backoffice.scope import creditor_in_scope, creditors_in_scope
from portal.services.regua.rulers import (
    Draft,
    RulerRefused,
    available_channels,
    latest_or_none,
    publish_ruler,
    ruler_of,
)
from portal.services.regua.texts import copy_context
from portal.staff.blueprint import bp
from portal.staff.regua_forms import (
    CHANNEL_LABELS,
    PHASE_LABELS,
    PLACEHOLDER_HINT,
    SettingsForm,
    StepForm,
)
from portal.templating import domain_message

_OFFSET_CODES = frozenset({"offset_range", "phase_order", "duplicate_step"})


def creditor_or_404(creditor_id: int) -> Creditor:
    creditor = creditor_in_scope(db.session, g.staff, creditor_id)
    if creditor is None:
        abort(404)
    return creditor


def _versions(creditor: Creditor) -> list[ReguaVersion]:
    return list(
        db.session.scalars(
            sa.select(ReguaVersion)
            .where(ReguaVersion.creditor_id == creditor.id)
            .order_by(ReguaVersion.version.desc())
        )
    )


@bp.get("/regua")
@staff_required(StaffRole.ADMIN)
def regua_index() -> tuple[str, int]:
    rows = [(c, latest_or_none(db.session, c.id)) for c in creditors_in_scope(db.session, g.staff)]
    return render_template("staff/regua/index.html", rows=rows), 200


@bp.get("/regua/<int:creditor_id>")
@staff_required(StaffRole.ADMIN)
def regua_ruler(creditor_id: int) -> tuple[str, int]:
    creditor = creditor_or_404(creditor_id)
    versions = _versions(creditor)
    latest = versions[0] if versions else None
    return render_template(
        "staff/regua/ruler.html",
        creditor=creditor,
        latest=latest,
        ruler=ruler_of(latest) if latest else None,
        versions=versions,
        settings=_settings_form(latest),
        phase_labels=PHASE_LABELS,
        channel_labels=CHANNEL_LABELS,
    ), 200


def _settings_form(latest: ReguaVersion | None) -> SettingsForm:
    if request.method == "POST":
        return SettingsForm()
    window = ruler_of(latest).window if latest else SendingWindow()
    return SettingsForm(
        data={
            "enabled": latest.enabled if latest else True,
            "weekday_start": window.weekdays.start.hour,
            "weekday_end": window.weekdays.end.hour,
            "saturday": window.saturday is not None,
        }
    )


def _publish(creditor: Creditor, draft: Draft) -> ReguaVersion | list[str]:
    """Publish, or the reasons it was refused (as text, step by step)."""
    try:
        with unit_of_work(db.session):
            row = publish_ruler(db.session, creditor, draft, actor=request_actor())
    except RulerRefused as refused:
        return [
            _("Passo %(n)s: %(why)s", n=p.position, why=domain_message(p.message))
            if p.position
            else domain_message(p.message)
            for p in refused.problems
        ]
    except IntegrityError:
        return [_("Outra pessoa publicou uma versão agora há pouco. Confira e salve de novo.")]
    return row


@bp.post("/regua/<int:creditor_id>/configuracao")
@staff_required(StaffRole.ADMIN)
def regua_settings(creditor_id: int) -> Response | tuple[str, int]:
    creditor = creditor_or_404(creditor_id)
    latest = latest_or_none(db.session, creditor.id)
    form = SettingsForm()
    problems: list[str] = []
    if latest is None:
        problems.append(_("Crie o primeiro passo antes de configurar a régua."))
    elif form.validate():
        try:
            window = SendingWindow(
                DayWindow(time(form.weekday_start.data or 8), time(form.weekday_end.data or 20)),
                DayWindow(time(8), time(14)) if form.saturday.data else None,
            )
        except InvalidWindow as error:
            problems.append(domain_message(error.message))
        else:
            draft = Draft(
                ruler_of(latest).steps, window, bool(form.enabled.data), form.note.data or None
            )
            result = _publish(creditor, draft)
            if isinstance(result, ReguaVersion):
                flash(_("Versão %(n)s publicada.", n=result.version), "success")
                return redirect(url_for("staff.regua_ruler", creditor_id=creditor.id), code=303)
            problems = result
    if problems:
        flash(" ".join(problems), "error")
    return render_template(
        "staff/regua/ruler.html",
        creditor=creditor,
        latest=latest,
        ruler=ruler_of(latest) if latest else None,
        versions=_versions(creditor),
        settings=form,
        phase_labels=PHASE_LABELS,
        channel_labels=CHANNEL_LABELS,
    ), 400


def _step_form(step: Step | None) -> StepForm:
    if request.method == "POST" or step is None:
        return StepForm()
    b = step.variant_b
    return StepForm(
        data={
            "phase": step.phase.value,
            "offset_days": step.offset_days,
            "channel": step.channel.value,
            "subject": step.text.subject,
            "body": step.text.body,
            "provider_template": step.text.provider_template,
            "subject_b": b.subject if b else None,
            "body_b": b.body if b else None,
            "provider_template_b": b.provider_template if b else None,
        }
    )


def _step_of_form(form: StepForm) -> Step:
    channel = Channel(form.channel.data)
    variant_b = None
    if form.body_b.data:
        variant_b = StepText(
            form.body_b.data,
            form.subject_b.data if channel == Channel.EMAIL else None,
            form.provider_template_b.data if channel == Channel.WHATSAPP else None,
        )
    return Step(
        Phase(form.phase.data),
        int(form.offset_days.data or 0),
        channel,
        StepText(
            form.body.data or "",
            form.subject.data if channel == Channel.EMAIL else None,
            form.provider_template.data if channel == Channel.WHATSAPP else None,
        ),
        variant_b,
    )


def _attach(form: StepForm, problems: tuple[Message, ...], suffix: str = "") -> None:
    for problem in problems:
        if problem.code.startswith("subject"):
            name = "subject"
        elif problem.code == "whatsapp_template":
            name = "provider_template"
        else:
            name = "body"
        form[name + suffix].errors = [*form[name + suffix].errors, domain_message(problem)]


def _check_step(form: StepForm, creditor: Creditor, steps: list[Step], position: int) -> bool:
    """Put every reason to refuse the edited step on its field; True when there is none."""
    step = steps[position - 1]
    context = copy_context(creditor, step.channel)
    for text, suffix in ((step.text, ""), (step.variant_b, "_b")):
        if text is not None:
            problems = check_copy(
                step.channel,
                text.body,
                context,
                subject=text.subject,
                provider_template=text.provider_template,
            )
            _attach(form, problems, suffix)
    for problem in structure_problems(steps):
        if problem.position == position and problem.message.code in _OFFSET_CODES:
            form.offset_days.errors = [*form.offset_days.errors, domain_message(problem.message)]
    if step.channel not in available_channels():
        form.channel.errors = [_("Não há provedor configurado para este canal.")]
    return not any(f.errors for f in form)


@bp.route("/regua/<int:creditor_id>/passo/<int:position>", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def regua_step(creditor_id: int, position: int) -> Response | tuple[str, int]:
    """Edit step ``position`` (1-based), or add one (``position`` 0)."""
    creditor = creditor_or_404(creditor_id)
    latest = latest_or_none(db.session, creditor.id)
    steps = list(ruler_of(latest).steps) if latest else []
    if not 0 <= position <= len(steps):
        abort(404)
    form = _step_form(steps[position - 1] if position else None)
    problems: list[str] = []
    status = 200
    if request.method == "POST" and request.form.get("acao") == "remover" and position:
        del steps[position - 1]
        problems = _save(creditor, latest, steps, form.note.data)
        if not problems:
            return redirect(url_for("staff.regua_ruler", creditor_id=creditor.id), code=303)
        status = 400
    elif request.method == "POST":
        status = 400
        if form.validate():
            edited = _step_of_form(form)
            if position:
                steps[position - 1] = edited
            else:
                steps.append(edited)
            where = position or len(steps)
            if _check_step(form, creditor, steps, where):
                problems = _save(creditor, latest, steps, form.note.data)
                if not problems:
                    return redirect(url_for("staff.regua_ruler", creditor_id=creditor.id), code=303)
    from portal.staff.policy_rules import error_list

    return render_template(
        "staff/regua/step.html",
        creditor=creditor,
        form=form,
        position=position,
        errors=error_list(form),
        problems=problems,
        PLACEHOLDER_HINT=PLACEHOLDER_HINT,
    ), status


def _save(
    creditor: Creditor, latest: ReguaVersion | None, steps: list[Step], note: str | None
) -> list[str]:
    window = ruler_of(latest).window if latest else SendingWindow()
    enabled = latest.enabled if latest else True
    result = _publish(creditor, Draft(tuple(steps), window, enabled, (note or "").strip() or None))
    if isinstance(result, ReguaVersion):
        flash(_("Versão %(n)s publicada.", n=result.version), "success")
        return []
    return result
