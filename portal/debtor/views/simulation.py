"""Simular → opções → confirmar: plain forms, JavaScript only to enhance.

The offer is stored when it is shown (``portal.services.negotiation.offers``); the confirmation page
summarises one option in plain language (Decreto 7.962 art. 4) and the acceptance needs the
"li e concordo" box and a fresh one-time code (requirements.md A16, F1).
"""

from __future__ import annotations

import secrets

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import debtor_required
from portal.auth.limits import ip_limit
from portal.auth.session import session_id_hash
from portal.core.audit import record_event
from portal.core.clock import now_utc, today_br
from portal.core.formatting import brl, domain_message
from portal.core.uow import transactional, unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.forms import AcceptForm, SimulationForm
from portal.debtor.scope import require_proved
from portal.debtor.step_up import builder, consume, step_up_context
from portal.domain.budget import choose_by_budget
from portal.domain.calendar import anbima_calendar
from portal.domain.errors import NegotiationError
from portal.domain.offers import Offer, PlanOption
from portal.extensions import db
from portal.http import request_actor
from portal.models import Creditor, OfferSnapshot
from portal.services.access import Act, StepUp
from portal.services.negotiation import (
    AcceptanceContext,
    AcceptanceError,
    NothingToNegotiate,
    accept_offer,
    create_offer,
    debtor_kind,
    domain_item,
    find_by_acceptance_key,
    load_offer,
    open_items,
)
from portal.services.policies import NoPolicy, current_policy, policy_of


def _creditor_or_404(creditor_id: int | None) -> Creditor:
    require_proved(creditor_id)
    creditor = db.session.get(Creditor, creditor_id) if creditor_id else None
    if creditor is None or not open_items(db.session, g.debtor.id, creditor.id):
        abort(404)
    return creditor


def _simulation_form(creditor: Creditor) -> tuple[SimulationForm, list]:  # type: ignore[type-arg]
    from portal.domain.charges import updated_balance

    items = open_items(db.session, g.debtor.id, creditor.id)
    policy = current_policy(db.session, creditor.id)
    today = today_br()
    kind = debtor_kind(g.debtor)
    balances = {i.id: updated_balance(domain_item(i), policy.charges, kind, today) for i in items}
    form = SimulationForm()
    form.items.choices = [
        SelectChoice(item.id, f"{item.description} ({brl(balances[item.id].total_cents)})")
        for item in items
    ]
    earliest, latest = policy.first_due_window.bounds(today)
    if request.method in ("GET", "HEAD"):
        form.items.data = [item.id for item in items]
        suggested = anbima_calendar().following(earliest)  # never a weekend or holiday
        form.first_due_date.data = suggested if suggested <= latest else earliest
        form.budget.data = session.get("planner_budget")  # set by the budget planner (learn)
    form.first_due_date.render_kw = {"min": earliest.isoformat(), "max": latest.isoformat()}
    return form, [earliest, latest]


@bp.route("/simular/<int:creditor_id>", methods=["GET", "POST"])
@debtor_required
@transactional
def simulate(creditor_id: int) -> Response | tuple[str, int]:
    creditor = _creditor_or_404(creditor_id)
    g.creditor = creditor
    try:
        form, window = _simulation_form(creditor)
    except NoPolicy:
        abort(404)
    status = 200
    if form.validate_on_submit():
        try:
            snapshot, _offer = create_offer(
                db.session,
                g.debtor,
                creditor.id,
                form.items.data,
                first_due_date=form.first_due_date.data,
                down_payment_cents=form.down_payment.data,
                today=today_br(),
                actor=request_actor(),
            )
        except NegotiationError as error:
            form.first_due_date.errors = [domain_message(error.message)]
            status = 400
        except NothingToNegotiate:
            abort(404)
        else:
            session[f"budget:{snapshot.token}"] = form.budget.data
            return redirect(url_for("debtor.options", token=snapshot.token), code=303)
    elif request.method == "POST":
        status = 400
    return render_template(
        "debtor/simulation/form.html",
        form=form,
        creditor=creditor,
        earliest=window[0],
        latest=window[1],
    ), status


def _offer_or_404(token: str) -> tuple[OfferSnapshot, Offer]:
    found = load_offer(db.session, g.debtor.id, token)
    if found is None:
        abort(404)
    require_proved(found[0].creditor_id)
    g.creditor = found[0].creditor
    return found


@bp.get("/simulacao/<token>")
@debtor_required
def options(token: str) -> str:
    snapshot, offer = _offer_or_404(token)
    policy = policy_of(snapshot.policy_version)
    budget = session.get(f"budget:{token}")
    answer = choose_by_budget(offer, policy, int(budget)) if budget else None
    fit = answer.option if answer and answer.option else None
    plans = [option for option in offer.options[1:] if option.valid]
    show_all = request.args.get("todas") == "1"
    # The rules of the company's policy that gave the à vista discount, each named once.
    tiers = {
        policy.tier_for(line.balance.days_overdue)
        for line in offer.items
        if line.cash_discount.total_cents
    }
    return render_template(
        "debtor/simulation/options.html",
        snapshot=snapshot,
        offer=offer,
        budget=budget,
        answer=answer,
        fit=fit,
        plans=plans if show_all else _a_few(plans, fit),
        plan_count=len(plans),
        discount_rules=sorted(
            (t for t in tiers if t is not None), key=lambda t: t.min_days_overdue
        ),
        expired=not offer.is_open_on(today_br()),
    )


SHOWN_PLANS = 4


def _a_few(plans: list[PlanOption], fit: PlanOption | None) -> list[PlanOption]:
    """Four plans to start with, the one that fits the budget among them."""
    start = 0
    if fit is not None and fit in plans:
        start = max(0, min(plans.index(fit) - 1, len(plans) - SHOWN_PLANS))
    return plans[start : start + SHOWN_PLANS]


def _option_or_404(offer: Offer, count: str | None):  # type: ignore[no-untyped-def]
    if not count or not count.isdigit():
        abort(404)
    option = next((o for o in offer.options if o.payment_count == int(count)), None)
    if option is None or not option.valid:
        abort(404)
    return option


def _accept_step(snapshot: OfferSnapshot, option) -> StepUp:  # type: ignore[no-untyped-def]
    return StepUp(
        Act.ACCEPT,
        snapshot.creditor,
        f"offer:{snapshot.token}:{option.payment_count}",
        amount_cents=option.total_cents,
    )


@builder(Act.ACCEPT)
def _accept_step_for(ref: str) -> StepUp:
    token, _dot, count = ref.rpartition(".")
    snapshot, offer = _offer_or_404(token)
    return _accept_step(snapshot, _option_or_404(offer, count))


def _render_confirm(
    snapshot: OfferSnapshot,
    offer: Offer,
    option,
    form: AcceptForm,  # type: ignore[no-untyped-def]
    status: int = 200,
) -> tuple[str, int]:
    policy = policy_of(snapshot.policy_version)
    step = _accept_step(snapshot, option)
    back = url_for("debtor.confirm", token=snapshot.token, parcelas=option.payment_count)
    return render_template(
        "debtor/simulation/confirm.html",
        snapshot=snapshot,
        offer=offer,
        option=option,
        policy=policy,
        form=form,
        step_up=step_up_context(step, f"{snapshot.token}.{option.payment_count}", back),
        expired=not offer.is_open_on(today_br()),
    ), status


@bp.get("/simulacao/<token>/confirmar")
@debtor_required
def confirm(token: str) -> tuple[str, int]:
    snapshot, offer = _offer_or_404(token)
    option = _option_or_404(offer, request.args.get("parcelas"))
    form = AcceptForm(formdata=None)
    form.acceptance_key.data = secrets.token_urlsafe(24)
    return _render_confirm(snapshot, offer, option, form)


@bp.post("/simulacao/<token>/aceitar")
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def accept(token: str) -> Response | tuple[str, int]:
    snapshot, offer = _offer_or_404(token)
    option = _option_or_404(offer, request.args.get("parcelas"))
    form = AcceptForm()
    if not form.validate_on_submit():
        return _render_confirm(snapshot, offer, option, form, 400)
    key = str(form.acceptance_key.data)
    existing = find_by_acceptance_key(db.session, g.debtor.id, key)
    if existing is not None:  # the same confirmation sent again
        return redirect(url_for("debtor.agreement", agreement_id=existing.id), code=303)
    step = _accept_step(snapshot, option)
    code_id = int(session.get("step_up", {}).get(step.key) or 0)
    now = now_utc()
    # Two units of work: the code is used up (committed) whatever the acceptance does next.
    if not consume(step, str(form.code.data)):
        existing = find_by_acceptance_key(db.session, g.debtor.id, key)
        if existing is not None:  # a simultaneous twin used the code first
            return redirect(url_for("debtor.agreement", agreement_id=existing.id), code=303)
        form.code.errors = [
            _("Código incorreto ou vencido. Confira o e-mail mais recente ou peça um novo código.")
        ]
        return _render_confirm(snapshot, offer, option, form, 400)
    context = AcceptanceContext(
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        session_id_hash=session_id_hash(),
        auth_method=f"{session.get('auth', 'unknown')}+otp",
        one_time_code_id=code_id,
    )
    try:
        with unit_of_work(db.session):
            agreement = accept_offer(
                db.session,
                g.debtor,
                snapshot,
                offer,
                option.payment_count,
                acceptance_key=key,
                context=context,
                actor=request_actor(),
                now=now,
                today=today_br(),
            )
    except AcceptanceError as error:
        existing = find_by_acceptance_key(db.session, g.debtor.id, key)
        if existing is not None:
            return redirect(url_for("debtor.agreement", agreement_id=existing.id), code=303)
        with unit_of_work(db.session):
            record_event(
                db.session,
                request_actor(),
                "agreement.accept_failed",
                details={"reason": error.reason, "offer": snapshot.id},
            )
        flash(_ACCEPT_ERRORS.get(error.reason, _ACCEPT_ERRORS["taken"])(), "error")
        return redirect(url_for("debtor.home"), code=303)
    flash(_("Acordo confirmado! Enviamos um e-mail com os detalhes."), "success")
    return redirect(url_for("debtor.agreement", agreement_id=agreement.id), code=303)


_ACCEPT_ERRORS = {
    "expired": lambda: _("Esta proposta venceu. Faça uma nova simulação, leva um minuto."),
    "first_payment_passed": lambda: _(
        "A data do primeiro pagamento desta proposta já passou. Faça uma nova simulação e "
        "escolha outra data."
    ),
    "invalid_option": lambda: _("Esta opção não está mais disponível. Faça uma nova simulação."),
    "stale": lambda: _("Os valores mudaram desde a simulação. Faça uma nova simulação."),
    "taken": lambda: _("Estas pendências já fazem parte de outro acordo."),
}
