"""A creditor's negotiation policy, versioned, and the validation of the policy itself.

Every part validates itself on construction and raises ``InvalidPolicy(field)`` naming the
offending field, so an inconsistent policy can never reach the simulation. An agreement records
``policy_id`` and ``version``: a policy version is immutable, a change is a new version.

Counting convention: ``n`` ("payments") is the **total number of payments including the entrada**,
so "2x" is the entrada plus one monthly installment and the à vista option is ``n = 1``. Band
limits (``InstallmentBand.max_payments``) use the same ``n``.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from portal.domain.charges import ChargeRules, check_pct
from portal.domain.codec import decimal_text
from portal.domain.errors import N_, InvalidPolicy, Message
from portal.domain.money import HUNDRED, pct_to_rate, round_up
from portal.domain.price import smallest_level_payment_cents

MAX_PAYMENTS = 120
"""Hard upper bound on ``n`` for any policy (ten years of monthly installments)."""
MAX_PLAN_MONTHLY_RATE_PCT = Decimal(20)
MAX_DAYS = 3650
"""Bound on the policy's day counts (window, validity, grace, breach): ten years."""
MAX_OVERDUE_DAYS = 100_000
SCHEDULES_NOT_LEVEL = "schedules_not_level"
MSG_SCHEDULES_NOT_LEVEL = N_(
    "Com juros de %(rate)s%% ao mês em até %(count)s parcelas depois da entrada, a última "
    "parcela pode ficar mais de 1%% diferente das outras. Para evitar isso, a parcela mínima "
    "precisa ser de pelo menos %(amount)s; ou reduza os juros ou o número de pagamentos."
)


def _check_int(field: str, value: object, lower: int, upper: int) -> None:
    if type(value) is not int or not lower <= value <= upper:
        raise InvalidPolicy(field)


@dataclass(frozen=True, slots=True)
class DiscountTier:
    """À vista discount for items overdue at least ``min_days_overdue`` days.

    The target discount is ``discount_pct`` of the item's updated total. It is taken from the
    charges first (juros, then multa, then correção), at most ``max_charges_discount_pct`` of the
    charges, and what is left from the principal, at most ``max_principal_discount_pct`` of it.
    """

    min_days_overdue: int
    discount_pct: Decimal
    max_charges_discount_pct: Decimal = HUNDRED
    max_principal_discount_pct: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _check_int("discount_tiers.min_days_overdue", self.min_days_overdue, 0, MAX_OVERDUE_DAYS)
        check_pct("discount_tiers.discount_pct", self.discount_pct, HUNDRED)
        check_pct("discount_tiers.max_charges_discount_pct", self.max_charges_discount_pct, HUNDRED)
        check_pct(
            "discount_tiers.max_principal_discount_pct", self.max_principal_discount_pct, HUNDRED
        )


@dataclass(frozen=True, slots=True)
class InstallmentBand:
    """From ``min_amount_cents`` of negotiated amount up, at most ``max_payments`` payments."""

    min_amount_cents: int
    max_payments: int

    def __post_init__(self) -> None:
        _check_int("installment_bands.min_amount_cents", self.min_amount_cents, 0, 10**15)
        _check_int("installment_bands.max_payments", self.max_payments, 1, MAX_PAYMENTS)


@dataclass(frozen=True, slots=True)
class DueDateWindow:
    """The debtor picks the first due date from ``as_of + min_days`` to ``as_of + max_days``."""

    min_days: int
    max_days: int

    def __post_init__(self) -> None:
        _check_int("first_due_window.min_days", self.min_days, 0, MAX_DAYS)
        _check_int("first_due_window.max_days", self.max_days, self.min_days, MAX_DAYS)

    def bounds(self, as_of: date) -> tuple[date, date]:
        """The earliest and latest first due dates allowed for a simulation made on ``as_of``."""
        return as_of + timedelta(days=self.min_days), as_of + timedelta(days=self.max_days)


@dataclass(frozen=True, slots=True)
class BreachRule:
    """Lateness of an installment, counted in calendar days after its (rolled) due date.

    Up to ``grace_days`` late the installment is not treated as late (no reminder of lateness);
    more than ``breach_after_days`` late breaks the agreement (quebra de acordo).
    """

    grace_days: int
    breach_after_days: int

    def __post_init__(self) -> None:
        _check_int("breach.grace_days", self.grace_days, 0, MAX_DAYS)
        _check_int("breach.breach_after_days", self.breach_after_days, self.grace_days, MAX_DAYS)

    @staticmethod
    def days_late(due_date: date, as_of: date) -> int:
        """Calendar days after ``due_date`` (0 on or before it)."""
        return max(0, (as_of - due_date).days)

    def is_late(self, due_date: date, as_of: date) -> bool:
        """True once the installment is more than ``grace_days`` late."""
        return self.days_late(due_date, as_of) > self.grace_days

    def breaks_agreement(self, due_date: date, as_of: date) -> bool:
        """True once an unpaid installment is more than ``breach_after_days`` late."""
        return self.days_late(due_date, as_of) > self.breach_after_days


@dataclass(frozen=True, slots=True)
class AffordabilityRule:
    """When to flag an installment against the debtor's declared monthly income.

    Flagged when it exceeds ``max_income_share_pct`` of the income, or when it leaves less than
    ``existential_minimum_cents`` of the income (mínimo existencial, Decreto 11.150/2022; R$ 600
    since Decreto 11.567/2023 — a configuration value, not hard-coded).
    """

    max_income_share_pct: Decimal
    existential_minimum_cents: int = 0

    def __post_init__(self) -> None:
        check_pct("affordability.max_income_share_pct", self.max_income_share_pct, HUNDRED)
        _check_int(
            "affordability.existential_minimum_cents", self.existential_minimum_cents, 0, 10**12
        )


@dataclass(frozen=True, slots=True)
class NegotiationPolicy:
    """Everything a creditor decides about negotiations, as one immutable version."""

    policy_id: str
    version: int
    charges: ChargeRules
    discount_tiers: tuple[DiscountTier, ...]
    installment_bands: tuple[InstallmentBand, ...]
    min_installment_cents: int
    plan_monthly_rate_pct: Decimal
    min_down_payment_pct: Decimal
    first_due_window: DueDateWindow
    offer_validity_days: int
    breach: BreachRule
    affordability: AffordabilityRule

    def __post_init__(self) -> None:
        if not self.policy_id:
            raise InvalidPolicy("policy_id")
        _check_int("version", self.version, 1, 10**9)
        _check_int("min_installment_cents", self.min_installment_cents, 1, 10**12)
        check_pct("plan_monthly_rate_pct", self.plan_monthly_rate_pct, MAX_PLAN_MONTHLY_RATE_PCT)
        check_pct("min_down_payment_pct", self.min_down_payment_pct, HUNDRED)
        _check_int("offer_validity_days", self.offer_validity_days, 0, MAX_DAYS)
        days = [tier.min_days_overdue for tier in self.discount_tiers]
        if any(later <= earlier for earlier, later in pairwise(days)):
            raise InvalidPolicy("discount_tiers")
        amounts = [band.min_amount_cents for band in self.installment_bands]
        if not amounts or amounts[0] != 0:
            raise InvalidPolicy("installment_bands")
        if any(later <= earlier for earlier, later in pairwise(amounts)):
            raise InvalidPolicy("installment_bands")

    def tier_for(self, days_overdue: int) -> DiscountTier | None:
        """The tier with the largest ``min_days_overdue`` not above ``days_overdue``, if any."""
        chosen = None
        for tier in self.discount_tiers:
            if tier.min_days_overdue <= days_overdue:
                chosen = tier
        return chosen

    def max_payments_for(self, amount_cents: int) -> int:
        """Maximum ``n`` (payments including the entrada) for a negotiated amount."""
        chosen = self.installment_bands[0]
        for band in self.installment_bands:
            if band.min_amount_cents <= amount_cents:
                chosen = band
        return chosen.max_payments

    def minimum_down_payment_cents(self, amount_cents: int) -> int:
        """Smallest entrada: ``min_down_payment_pct`` of the amount rounded *up*, and at least
        the minimum installment; never more than the amount itself."""
        by_pct = round_up(amount_cents * self.min_down_payment_pct / HUNDRED)
        return min(amount_cents, max(by_pct, self.min_installment_cents))


def smallest_level_installment_cents(policy: NegotiationPolicy) -> int:
    """The smallest regular installment that keeps every schedule the policy can offer level
    (``price.smallest_level_payment_cents`` for its rate and its longest plan); 0 without any
    plan in installments."""
    count = max(band.max_payments for band in policy.installment_bands) - 1
    if count < 1:
        return 0
    return smallest_level_payment_cents(pct_to_rate(policy.plan_monthly_rate_pct), count)


def level_schedules_problem(policy: NegotiationPolicy) -> Message | None:
    """Why some plan the policy accepts could have an uneven last installment, or None.

    Every option the simulation offers has installments of at least the policy's minimum; when
    that minimum is below ``smallest_level_installment_cents`` some rate and count pair of the
    policy could need a last installment more than 1 % away from the others (not offered). The
    policy editor refuses such a policy; versions published before keep working, their uneven
    options are simply not offered.
    """
    smallest = smallest_level_installment_cents(policy)
    if policy.min_installment_cents >= smallest:
        return None
    return Message.of(
        SCHEDULES_NOT_LEVEL,
        MSG_SCHEDULES_NOT_LEVEL,
        rate_pct=decimal_text(policy.plan_monthly_rate_pct),
        count=max(band.max_payments for band in policy.installment_bands) - 1,
        amount_cents=smallest,
    )
