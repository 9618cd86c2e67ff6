"""Updated balance of a pending item at a date: principal, correção, multa and juros de mora.

For an item with principal ``P`` (centavos) due on ``due`` and a computation date ``as_of``:

* ``days = max(0, as_of - due')`` in calendar days, where ``due'`` is the due date moved to the
  next bank business day when it falls on a weekend or a national bank holiday (Código Civil
  art. 132 §1: the term is extended to the next business day; ANBIMA calendar, as everywhere in
  the engine). Paying on ``due'`` is on time; charges start the day after. An item not yet
  overdue has no charges.
* **Correção monetária** (optional, per creditor): ``C = round(P · I(end) / I(start))`` where
  ``start`` is the month before the due month and ``end`` the month before ``as_of``'s month,
  clamped to the last month of the table (the latest published index). The ratio is floored at 1:
  deflation never reduces the principal. ``correção = C - P``. Without a table, ``C = P``.
* **Multa** (once): ``round(C · m / 100)`` with ``m`` the effective percentage:

  - consumer (CPF): ``min(policy m, contract m if any, 2)`` — CDC art. 52 §1 caps it at 2 %
    whatever the policy or the contract says;
  - business (CNPJ): the contract's percentage when the item has one, else the policy's.
* **Juros de mora**, simple and pro rata die on a 30-day month: ``round(C · j / 100 · days / 30)``
  with ``j`` the monthly percentage.
* ``total = P + correção + multa + juros``; each component is rounded half-up to the centavo on its
  own, so the itemised lines always add up to the total.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from portal.domain.calendar import anbima_calendar
from portal.domain.errors import InvalidItem, InvalidPolicy
from portal.domain.indexes import IndexTable, month_start, shift_month
from portal.domain.money import HUNDRED, is_pct, percent_of, round_half_up

CONSUMER_MULTA_CAP_PCT = Decimal(2)
"""CDC art. 52 §1: the late-payment fine on consumer debts may not exceed 2 %."""
MAX_BUSINESS_MULTA_PCT = HUNDRED
MAX_JUROS_MONTHLY_PCT = Decimal(1)
"""Ceiling of the monthly juros de mora: 1 % a.m. (Súmula 379 STJ for bank contracts; Código
Civil art. 406 with the Lei de Usura otherwise)."""
DAYS_PER_MONTH = Decimal(30)
_ONE = Decimal(1)


class DebtorKind(StrEnum):
    """Consumer (CPF) or business (CNPJ) debtor: the multa cap depends on it."""

    CONSUMER = "cpf"
    BUSINESS = "cnpj"


def check_pct(field: str, value: object, upper: Decimal) -> None:
    """Raise ``InvalidPolicy(field)`` unless ``value`` is a finite Decimal in ``[0, upper]``."""
    if not is_pct(value, upper):
        raise InvalidPolicy(field)


@dataclass(frozen=True, slots=True)
class ChargeRules:
    """A creditor's late charges: multa (0-2 %), juros de mora (0-1 % a month, see
    ``MAX_JUROS_MONTHLY_PCT``) and optional correction."""

    multa_pct: Decimal
    juros_monthly_pct: Decimal
    correction: IndexTable | None = None

    def __post_init__(self) -> None:
        check_pct("charges.multa_pct", self.multa_pct, CONSUMER_MULTA_CAP_PCT)
        check_pct("charges.juros_monthly_pct", self.juros_monthly_pct, MAX_JUROS_MONTHLY_PCT)


@dataclass(frozen=True, slots=True)
class PendingItem:
    """One overdue or upcoming amount, as the services load it."""

    item_id: str
    reference: str
    principal_cents: int
    due_date: date
    contract_multa_pct: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.item_id:
            raise InvalidItem(self.item_id, "item_id")
        if type(self.principal_cents) is not int or self.principal_cents < 1:
            raise InvalidItem(self.item_id, "principal_cents")
        contract = self.contract_multa_pct
        if contract is not None and not is_pct(contract, MAX_BUSINESS_MULTA_PCT):
            raise InvalidItem(self.item_id, "contract_multa_pct")


@dataclass(frozen=True, slots=True)
class UpdatedBalance:
    """What one item is worth at ``as_of``, itemised for display. Money in centavos."""

    item_id: str
    reference: str
    due_date: date
    as_of: date
    days_overdue: int
    principal_cents: int
    correction_cents: int
    multa_pct: Decimal
    multa_cents: int
    juros_monthly_pct: Decimal
    juros_cents: int
    total_cents: int

    @property
    def charges_cents(self) -> int:
        """Everything above the principal: correção + multa + juros."""
        return self.correction_cents + self.multa_cents + self.juros_cents


def effective_multa_pct(rules: ChargeRules, item: PendingItem, kind: DebtorKind) -> Decimal:
    """The multa percentage that applies to ``item`` for a debtor of ``kind`` (see module doc)."""
    contract = item.contract_multa_pct
    if kind is DebtorKind.BUSINESS:
        return rules.multa_pct if contract is None else contract
    candidates = [rules.multa_pct, CONSUMER_MULTA_CAP_PCT]
    if contract is not None:
        candidates.append(contract)
    return min(candidates)


def correction_factor(table: IndexTable, due_date: date, as_of: date) -> Decimal:
    """``I(end) / I(start)`` floored at 1, with the months described in the module docstring."""
    start = shift_month(month_start(due_date), -1)
    end = min(shift_month(month_start(as_of), -1), table.last_month)
    if end <= start:
        return _ONE
    return max(_ONE, table.factor(start, end))


def updated_balance(
    item: PendingItem, rules: ChargeRules, kind: DebtorKind, as_of: date
) -> UpdatedBalance:
    """The itemised updated balance of ``item`` at ``as_of`` (formulas in the module docstring)."""
    principal = item.principal_cents
    days = max(0, (as_of - anbima_calendar().following(item.due_date)).days)
    multa_pct = effective_multa_pct(rules, item, kind)
    corrected = principal
    multa = juros = 0
    if days:
        if rules.correction is not None:
            factor = correction_factor(rules.correction, item.due_date, as_of)
            corrected = round_half_up(principal * factor)
        multa = percent_of(corrected, multa_pct)
        juros = round_half_up(
            corrected * rules.juros_monthly_pct * days / (HUNDRED * DAYS_PER_MONTH)
        )
    correction = corrected - principal
    return UpdatedBalance(
        item_id=item.item_id,
        reference=item.reference,
        due_date=item.due_date,
        as_of=as_of,
        days_overdue=days,
        principal_cents=principal,
        correction_cents=correction,
        multa_pct=multa_pct,
        multa_cents=multa,
        juros_monthly_pct=rules.juros_monthly_pct,
        juros_cents=juros,
        total_cents=principal + correction + multa + juros,
    )
