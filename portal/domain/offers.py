"""Offers as values: what the engine proposes, immutable, serialisable and digestible.

An ``Offer`` freezes exactly what a debtor was shown: the date, the policy version, every item's
itemised updated balance and à vista discount, and every option with its full dated schedule.
``to_json()`` is canonical (``codec.py``) and ``digest`` is the SHA-256 hex of those UTF-8 bytes,
so an agreement can store the JSON and its digest and prove later that the terms did not change;
``Offer.from_json`` gives back an equal object with the same digest.
"""

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from portal.domain.charges import DebtorKind, UpdatedBalance
from portal.domain.codec import canonical_json, decode
from portal.domain.discounts import CashDiscount
from portal.domain.errors import InstallmentCountUnavailable, InvalidOfferData, Message

OFFER_FORMAT_VERSION = 1


class OptionKind(StrEnum):
    """À vista (one payment, with discount) or parcelado (entrada + monthly installments)."""

    CASH = "a_vista"
    INSTALLMENTS = "parcelado"


@dataclass(frozen=True, slots=True)
class Installment:
    """One payment of an option. ``number`` 0 is the entrada (or the single à vista payment).

    ``due_date`` is already moved to a business day. Money in centavos.
    """

    number: int
    due_date: date
    amount_cents: int
    interest_cents: int
    amortization_cents: int
    balance_after_cents: int


@dataclass(frozen=True, slots=True)
class PlanOption:
    """One way to pay. ``payment_count`` is ``n``: all payments including the entrada.

    ``installment_cents`` is the regular monthly installment; the last one
    (``last_installment_cents``) takes what the rounding leaves, within 1 % of the regular one
    (or 1 centavo) in every valid option (``price.PriceSchedule.is_level``). ``financed_cents``
    is what the Price schedule finances (negotiated amount − entrada). ``violations`` lists the
    policy rules the option does not respect (minimums, level schedule); an option without
    violations is ``valid``.
    """

    kind: OptionKind
    payment_count: int
    down_payment_cents: int
    installment_count: int
    installment_cents: int
    last_installment_cents: int
    financed_cents: int
    total_cents: int
    total_interest_cents: int
    discount_cents: int
    nominal_monthly_rate_pct: Decimal
    cet_monthly_pct: Decimal
    cet_annual_pct: Decimal
    installments: tuple[Installment, ...]
    violations: tuple[Message, ...]

    @property
    def valid(self) -> bool:
        """True when the option respects every policy minimum."""
        return not self.violations

    @property
    def largest_installment_cents(self) -> int:
        """The largest monthly installment after the entrada (0 for à vista)."""
        return max(self.installment_cents, self.last_installment_cents)


@dataclass(frozen=True, slots=True)
class ItemLine:
    """One selected item: its updated balance and what the à vista option discounts from it."""

    balance: UpdatedBalance
    cash_discount: CashDiscount


@dataclass(frozen=True, slots=True)
class Offer:
    """A simulation for a chosen set of items at ``as_of``, valid through ``valid_until``
    (never after its first payment date: ``open_until``).

    ``options[0]`` is the à vista option, followed by the parcelado options for n = 2, 3, ….
    ``first_due_date`` is the date the debtor chose (each payment date is rolled to a business
    day); ``requested_down_payment_cents`` is the entrada the debtor asked for, or ``None`` when
    the policy minimum was used.
    """

    policy_id: str
    policy_version: int
    debtor_kind: DebtorKind
    as_of: date
    valid_until: date
    first_due_date: date
    requested_down_payment_cents: int | None
    negotiated_cents: int
    items: tuple[ItemLine, ...]
    options: tuple[PlanOption, ...]
    format_version: int = OFFER_FORMAT_VERSION

    @property
    def cash_option(self) -> PlanOption:
        """The à vista option."""
        return self.options[0]

    def option(self, payment_count: int) -> PlanOption:
        """The option with ``payment_count`` payments; ``InstallmentCountUnavailable`` if none."""
        for candidate in self.options:
            if candidate.payment_count == payment_count:
                return candidate
        raise InstallmentCountUnavailable(payment_count)

    @property
    def first_payment_date(self) -> date:
        """The date of the first payment of every option (the entrada, or the à vista one)."""
        return self.cash_option.installments[0].due_date

    @property
    def open_until(self) -> date:
        """The last day the offer can be accepted: ``valid_until``, and never after the first
        payment date (an offer stored before that rule may say a later ``valid_until``)."""
        return min(self.valid_until, self.first_payment_date)

    def is_open_on(self, day: date) -> bool:
        """True from ``as_of`` through ``open_until`` inclusive: accepted later, the agreement
        would start with its first payment already overdue."""
        return self.as_of <= day <= self.open_until

    def to_json(self) -> str:
        """The canonical JSON text of the offer (see ``codec.py``)."""
        return canonical_json(self)

    @property
    def digest(self) -> str:
        """SHA-256 hex digest of ``to_json()`` encoded as UTF-8."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, text: str, *, expected_digest: str | None = None) -> "Offer":
        """Decode an offer; raises ``InvalidOfferData`` if the text is not a valid offer, or if
        ``expected_digest`` is given and does not match the decoded offer's digest.

        Once per process for the same text and digest (a stored offer never changes, and an
        ``Offer`` is frozen, so the decoded one is shared): the options page decodes its
        offer and checks the digest on every view. A refusal is never remembered."""
        return _decoded(text, expected_digest)


@functools.lru_cache(maxsize=256)
def _decoded(text: str, expected_digest: str | None) -> Offer:
    try:
        offer = decode(Offer, json.loads(text))
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise InvalidOfferData() from exc
    if offer.format_version != OFFER_FORMAT_VERSION:
        raise InvalidOfferData()
    if expected_digest is not None and offer.digest != expected_digest:
        raise InvalidOfferData()
    return offer
