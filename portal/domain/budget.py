"""Budget first: "I can pay R$ X per month" → the plan with the fewest payments that fits.

Given an offer (built with the debtor's entrada, if they declared one) and a monthly budget ``B``:

* the options are tried in order of ``n`` (à vista first); the first that fits is returned;
* **à vista** fits when its amount is at most ``max(B, declared entrada)``;
* a **parcelado** option fits when it is valid (policy minimums respected), its largest monthly
  installment is at most ``B`` and — when the debtor did not declare an entrada — the policy's
  minimum entrada is at most ``B`` too (it is paid in the first month);
* when nothing fits, the answer carries every reason that applies, each a ``Message``:
  the declared entrada is below the minimum entrada; ``B`` is below the minimum installment
  ("mínimo de R$ 50 por parcela"); the minimum entrada exceeds ``B``; the amount can only be paid
  à vista; or even the longest valid plan needs more than ``B`` ("máximo de 12 parcelas", with the
  smallest installment achievable);
* with a declared monthly income, the chosen option is flagged when its monthly commitment (the
  largest installment, or the à vista amount) exceeds ``max_income_share_pct`` of the income, or
  leaves less than ``existential_minimum_cents`` of it (mínimo existencial, Decreto 11.150/2022).
  A flag is a warning for the journey to show, not a refusal.
"""

from dataclasses import dataclass

from portal.domain.codec import decimal_text
from portal.domain.errors import N_, InvalidPolicy, Message
from portal.domain.money import percent_of, require_cents
from portal.domain.offers import Offer, OptionKind, PlanOption
from portal.domain.policy import AffordabilityRule, NegotiationPolicy
from portal.domain.simulation import (
    DOWN_PAYMENT_BELOW_MINIMUM,
    INSTALLMENT_BELOW_MINIMUM,
    MSG_DOWN_PAYMENT_MINIMUM,
    MSG_INSTALLMENT_MINIMUM,
)

DOWN_PAYMENT_ABOVE_BUDGET = "down_payment_above_budget"
CASH_ONLY = "cash_only"
MAX_INSTALLMENTS = "max_installments"
INCOME_SHARE_EXCEEDED = "income_share_exceeded"
EXISTENTIAL_MINIMUM = "existential_minimum"

MSG_DOWN_PAYMENT_ABOVE_BUDGET = N_("a entrada mínima de %(amount)s passa do valor mensal informado")
MSG_CASH_ONLY = N_("este valor só pode ser pago à vista: %(amount)s")
MSG_MAX_INSTALLMENTS = N_("máximo de %(count)s parcelas; a menor parcela possível é %(amount)s")
MSG_INCOME_SHARE = N_("a parcela passa de %(share)s%% da renda declarada")
MSG_EXISTENTIAL_MINIMUM = N_("a parcela deixaria menos de %(amount)s da renda declarada")


@dataclass(frozen=True, slots=True)
class BudgetAnswer:
    """The option that fits (or ``None`` and the ``reasons`` why none does) and any warnings
    about the declared income."""

    option: PlanOption | None
    reasons: tuple[Message, ...]
    income_warnings: tuple[Message, ...]


def monthly_commitment_cents(option: PlanOption) -> int:
    """What the option asks in its heaviest month: the à vista amount or the largest installment."""
    if option.kind is OptionKind.CASH:
        return option.total_cents
    return option.largest_installment_cents


def income_warnings(
    option: PlanOption, declared_income_cents: int, rule: AffordabilityRule
) -> tuple[Message, ...]:
    """Warnings for ``option`` against a declared monthly income (see module docstring)."""
    income = require_cents("declared_income_cents", declared_income_cents)
    commitment = monthly_commitment_cents(option)
    warnings = []
    if commitment > percent_of(income, rule.max_income_share_pct):
        warnings.append(
            Message.of(
                INCOME_SHARE_EXCEEDED,
                MSG_INCOME_SHARE,
                share_pct=decimal_text(rule.max_income_share_pct),
            )
        )
    if income - commitment < rule.existential_minimum_cents:
        warnings.append(
            Message.of(
                EXISTENTIAL_MINIMUM,
                MSG_EXISTENTIAL_MINIMUM,
                amount_cents=rule.existential_minimum_cents,
            )
        )
    return tuple(warnings)


def _fits(option: PlanOption, budget: int, declared_down_payment: int | None) -> bool:
    if option.kind is OptionKind.CASH:
        return option.total_cents <= max(budget, declared_down_payment or 0)
    entrada_ok = declared_down_payment is not None or option.down_payment_cents <= budget
    return option.valid and entrada_ok and option.largest_installment_cents <= budget


def _reasons(offer: Offer, policy: NegotiationPolicy, budget: int) -> tuple[Message, ...]:
    declared = offer.requested_down_payment_cents
    minimum_down = policy.minimum_down_payment_cents(offer.negotiated_cents)
    plans = offer.options[1:]
    valid = [option for option in plans if option.valid]
    reasons = []
    if declared is not None and declared < minimum_down:
        reasons.append(
            Message.of(
                DOWN_PAYMENT_BELOW_MINIMUM, MSG_DOWN_PAYMENT_MINIMUM, amount_cents=minimum_down
            )
        )
    longest_limited = bool(plans) and any(
        message.code == INSTALLMENT_BELOW_MINIMUM for message in plans[-1].violations
    )
    if budget < policy.min_installment_cents or longest_limited:
        reasons.append(
            Message.of(
                INSTALLMENT_BELOW_MINIMUM,
                MSG_INSTALLMENT_MINIMUM,
                amount_cents=policy.min_installment_cents,
            )
        )
    if declared is None and minimum_down > budget and plans:
        reasons.append(
            Message.of(
                DOWN_PAYMENT_ABOVE_BUDGET, MSG_DOWN_PAYMENT_ABOVE_BUDGET, amount_cents=minimum_down
            )
        )
    if not plans:
        reasons.append(
            Message.of(CASH_ONLY, MSG_CASH_ONLY, amount_cents=offer.cash_option.total_cents)
        )
    elif valid:
        smallest = min(valid, key=lambda option: option.largest_installment_cents)
        if smallest.largest_installment_cents > budget:
            reasons.append(
                Message.of(
                    MAX_INSTALLMENTS,
                    MSG_MAX_INSTALLMENTS,
                    count=max(option.payment_count for option in valid),
                    amount_cents=smallest.largest_installment_cents,
                )
            )
    return tuple(reasons)


def choose_by_budget(
    offer: Offer,
    policy: NegotiationPolicy,
    monthly_budget_cents: int,
    *,
    declared_income_cents: int | None = None,
) -> BudgetAnswer:
    """The option with the fewest payments that fits ``monthly_budget_cents`` (module docstring).

    ``policy`` must be the version the offer was built with (its minimums explain the reasons).
    """
    if (offer.policy_id, offer.policy_version) != (policy.policy_id, policy.version):
        raise InvalidPolicy("policy_version")
    budget = require_cents("monthly_budget_cents", monthly_budget_cents)
    declared = offer.requested_down_payment_cents
    for option in offer.options:
        if _fits(option, budget, declared):
            warnings: tuple[Message, ...] = ()
            if declared_income_cents is not None:
                warnings = income_warnings(option, declared_income_cents, policy.affordability)
            return BudgetAnswer(option, (), warnings)
    return BudgetAnswer(None, _reasons(offer, policy, budget), ())
