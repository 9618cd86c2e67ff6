"""The budget planner: income and expenses by category → what is left → the simulation.

Nothing typed here is stored, logged or put in a URL: the form is a POST, the answer is the
response. Only when a signed-in debtor presses "usar na simulação" does the amount go into
their session, so the simulation form opens with it filled in (the debtor can change it).
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import debtor_required
from portal.core.clock import today_br
from portal.core.formatting import domain_message
from portal.domain.budget_planner import BudgetPlan, ExpenseCategory, plan_budget
from portal.domain.errors import NegotiationError
from portal.extensions import db
from portal.learn.blueprint import bp
from portal.learn.forms import EXPENSE_FIELDS, INCOME_FIELDS, HandoffForm, PlannerForm
from portal.services.negotiation import debtor_pendencias

# Read by portal/debtor/views/simulation.py to pre-fill "Quanto cabe no seu bolso por mês?".
PLANNER_BUDGET_KEY = "planner_budget"


def _labels(form: PlannerForm) -> dict[ExpenseCategory, str]:
    return {category: form[name].label.text for name, category in EXPENSE_FIELDS.items()}


def _render(
    form: PlannerForm, plan: BudgetPlan | None = None, status: int = 200
) -> tuple[str, int]:
    handoff = None
    if plan is not None and plan.suggested_budget_cents > 0:
        handoff = HandoffForm(formdata=None, budget=plan.suggested_budget_cents)
    return render_template(
        "learn/planner/index.html",
        form=form,
        income_fields=list(INCOME_FIELDS),
        expense_fields=list(EXPENSE_FIELDS),
        plan=plan,
        labels=_labels(form),
        handoff=handoff,
    ), status


@bp.get("/aprenda/planejador")
def planner() -> tuple[str, int]:
    return _render(PlannerForm(formdata=None))


@bp.post("/aprenda/planejador")
def planner_result() -> tuple[str, int]:
    form = PlannerForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    try:
        plan = plan_budget(
            {source: form[name].data or 0 for name, source in INCOME_FIELDS.items()},
            {category: form[name].data or 0 for name, category in EXPENSE_FIELDS.items()},
        )
    except NegotiationError as error:
        form.income_main.errors = [domain_message(error.message)]
        return _render(form, status=400)
    return _render(form, plan)


@bp.post("/aprenda/planejador/simular")
@debtor_required
def planner_handoff() -> Response | tuple[str, int]:
    """Keep the amount for the simulation form, then go where the debtor can simulate."""
    form = HandoffForm()
    budget = form.budget.data if form.validate_on_submit() else None
    if budget is None:
        flash(_("Não conseguimos usar esse valor. Refaça as contas no planejador."), "error")
        return _render(PlannerForm(formdata=None), status=400)
    session[PLANNER_BUDGET_KEY] = budget
    groups = [
        group
        for group in debtor_pendencias(db.session, g.debtor, today_br(), g.proved)
        if group.can_negotiate
    ]
    if len(groups) == 1:
        return redirect(url_for("debtor.simulate", creditor_id=groups[0].creditor.id), code=303)
    if groups:
        flash(
            _(
                "Guardamos o valor que sobra no seu mês para a simulação. "
                "Escolha a empresa e toque em “Simular um acordo”."
            ),
            "info",
        )
    return redirect(url_for("debtor.home"), code=303)
