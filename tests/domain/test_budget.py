from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.budget import (
    CASH_ONLY,
    DOWN_PAYMENT_ABOVE_BUDGET,
    EXISTENTIAL_MINIMUM,
    INCOME_SHARE_EXCEEDED,
    MAX_INSTALLMENTS,
    BudgetAnswer,
    choose_by_budget,
    income_warnings,
    monthly_commitment_cents,
)
from portal.domain.calendar import anbima_calendar
from portal.domain.charges import DebtorKind
from portal.domain.errors import InvalidAmount, InvalidPolicy, Message
from portal.domain.offers import Offer, OptionKind, PlanOption
from portal.domain.policy import AffordabilityRule, NegotiationPolicy
from portal.domain.simulation import (
    DOWN_PAYMENT_BELOW_MINIMUM,
    INSTALLMENT_BELOW_MINIMUM,
    build_offer,
)

from .conftest import DOMAIN, make_item, make_policy
from .test_simulation import AS_OF, CARNIVAL_MONDAY

POLICY = make_policy()


def offer_for(
    policy: NegotiationPolicy = POLICY, down_payment: int | None = None, principal: int = 100_000
) -> Offer:
    return build_offer(
        [make_item(principal_cents=principal)],
        policy,
        anbima_calendar(),
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=CARNIVAL_MONDAY,
        down_payment_cents=down_payment,
    )


def codes(answer: BudgetAnswer) -> list[str]:
    assert answer.option is None
    return [reason.code for reason in answer.reasons]


def test_cash_when_the_budget_covers_it() -> None:
    answer = choose_by_budget(offer_for(), POLICY, 100_000)
    assert answer.option is not None
    assert answer.option.kind is OptionKind.CASH
    assert answer.reasons == answer.income_warnings == ()


def test_fewest_installments_that_fit() -> None:
    offer = offer_for()
    eight = offer.option(8)
    # The last installment absorbs the rounding and may be the largest one.
    assert eight.last_installment_cents == eight.installment_cents + 1
    assert choose_by_budget(offer, POLICY, eight.last_installment_cents).option == eight
    assert choose_by_budget(offer, POLICY, eight.installment_cents).option == offer.option(9)


def test_above_the_maximum_installments() -> None:
    offer = offer_for()
    twelve = offer.option(12)
    answer = choose_by_budget(offer, POLICY, twelve.largest_installment_cents - 1)
    assert answer.reasons == (
        Message.of(
            MAX_INSTALLMENTS,
            "máximo de %(count)s parcelas; a menor parcela possível é %(amount)s",
            count=12,
            amount_cents=twelve.largest_installment_cents,
        ),
    )


def test_below_the_minimum_installment() -> None:
    answer = choose_by_budget(offer_for(), POLICY, 4_999)
    assert codes(answer) == [INSTALLMENT_BELOW_MINIMUM, DOWN_PAYMENT_ABOVE_BUDGET, MAX_INSTALLMENTS]
    assert answer.reasons[0].key == "mínimo de %(amount)s por parcela"
    assert answer.reasons[0].params_dict() == {"amount_cents": 5_000}
    assert answer.reasons[1].params_dict() == {"amount_cents": 5_000}


def test_the_minimum_installment_limits_the_count() -> None:
    policy = make_policy(min_installment_cents=10_000)
    offer = offer_for(policy)
    ten = offer.option(10)
    assert ten.valid and not offer.option(11).valid
    answer = choose_by_budget(offer, policy, ten.largest_installment_cents - 1)
    assert codes(answer) == [INSTALLMENT_BELOW_MINIMUM, MAX_INSTALLMENTS]
    assert answer.reasons[1].params_dict() == {
        "count": 10,
        "amount_cents": ten.largest_installment_cents,
    }


def test_only_the_minimum_entrada_is_above_the_budget() -> None:
    policy = make_policy(min_down_payment_pct=Decimal(20))
    # Entrada 20 % of 1.035,00 = 207,00; 828,00 financed: 9 installments ≈ 96,43 fit R$ 100.
    answer = choose_by_budget(offer_for(policy), policy, 10_000)
    assert codes(answer) == [DOWN_PAYMENT_ABOVE_BUDGET]
    assert answer.reasons[0].params_dict() == {"amount_cents": 20_700}


def test_declared_entrada_below_the_minimum() -> None:
    answer = choose_by_budget(offer_for(down_payment=1_000), POLICY, 20_000)
    assert codes(answer) == [DOWN_PAYMENT_BELOW_MINIMUM]
    assert answer.reasons[0].params_dict() == {"amount_cents": 5_000}


def test_declared_entrada_pays_cash() -> None:
    answer = choose_by_budget(offer_for(down_payment=100_000), POLICY, 100)
    assert answer.option is not None
    assert answer.option.kind is OptionKind.CASH


def test_declared_entrada_need_not_fit_the_monthly_budget() -> None:
    offer = offer_for(down_payment=20_000)
    answer = choose_by_budget(offer, POLICY, 9_000)
    assert answer.option is not None
    assert answer.option.down_payment_cents == 20_000
    assert answer.option.largest_installment_cents <= 9_000
    shorter = offer.option(answer.option.payment_count - 1)
    assert shorter.largest_installment_cents > 9_000


def test_cash_only_amounts() -> None:
    offer = offer_for(principal=5_000)
    answer = choose_by_budget(offer, POLICY, 1_000)
    assert codes(answer) == [INSTALLMENT_BELOW_MINIMUM, CASH_ONLY]
    assert answer.reasons[1].params_dict() == {"amount_cents": offer.cash_option.total_cents}


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        (60_000, [INCOME_SHARE_EXCEEDED, EXISTENTIAL_MINIMUM]),
        (70_000, [EXISTENTIAL_MINIMUM]),  # 30 % = 210,00 ≥ 202,65 but leaves 497,35 < 600,00
        (100_000, []),
    ],
)
def test_income_warnings(income: int, expected: list[str]) -> None:
    offer = offer_for()
    six = offer.option(6)
    assert six.largest_installment_cents == 20_265
    answer = choose_by_budget(offer, POLICY, 20_265, declared_income_cents=income)
    assert answer.option == six
    assert [warning.code for warning in answer.income_warnings] == expected
    if expected:
        assert answer.income_warnings[-1].params_dict() == {"amount_cents": 60_000}
    if INCOME_SHARE_EXCEEDED in expected:
        assert answer.income_warnings[0].params_dict() == {"share_pct": "30"}


def test_cash_commitment_is_its_amount() -> None:
    cash = offer_for().cash_option
    assert monthly_commitment_cents(cash) == 100_000
    rule = AffordabilityRule(Decimal("30.5"), 0)
    warnings = income_warnings(cash, 200_000, rule)
    assert [w.code for w in warnings] == [INCOME_SHARE_EXCEEDED]
    assert warnings[0].params_dict() == {"share_pct": "30.5"}


def test_refusals() -> None:
    offer = offer_for()
    with pytest.raises(InvalidPolicy):
        choose_by_budget(offer, make_policy(version=4), 10_000)
    with pytest.raises(InvalidAmount):
        choose_by_budget(offer, POLICY, -1)
    with pytest.raises(InvalidAmount):
        choose_by_budget(offer, POLICY, 100_000, declared_income_cents=-1)


def fits(option: PlanOption, budget: int, declared: int | None) -> bool:
    """Independent restatement of the rule in budget.py's docstring."""
    if option.kind is OptionKind.CASH:
        return option.total_cents <= max(budget, declared or 0)
    return (
        option.valid
        and all(row.amount_cents <= budget for row in option.installments[1:])
        and (declared is not None or option.installments[0].amount_cents <= budget)
    )


@DOMAIN
@given(
    budget=st.integers(0, 120_000),
    declared=st.none() | st.integers(0, 103_500),
    min_installment=st.integers(1, 30_000),
)
def test_the_answer_is_the_fewest_payments_that_fit(
    budget: int, declared: int | None, min_installment: int
) -> None:
    policy = make_policy(min_installment_cents=min_installment)
    offer = offer_for(policy, declared)
    answer = choose_by_budget(offer, policy, budget)
    if answer.option is None:
        assert answer.reasons
        assert not any(fits(option, budget, declared) for option in offer.options)
    else:
        assert answer.reasons == ()
        assert fits(answer.option, budget, declared)
        shorter = [o for o in offer.options if o.payment_count < answer.option.payment_count]
        assert not any(fits(option, budget, declared) for option in shorter)
