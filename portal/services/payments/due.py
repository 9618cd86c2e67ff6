"""The terms of a Pix charge with a due date (API Pix ``cobv``) for an installment.

An agreement paid in installments gets, per installment, a charge that carries its due date
and the company's late charges from the policy the agreement was made under: multa
(``charges.multa_pct``) and juros de mora a month (``charges.juros_monthly_pct``), payable up
to ``breach.breach_after_days`` after the due date (then the agreement breaks). The payer's
bank adds multa and juros itself when it is paid late: a code made up to the due date can be
paid late, with them. À vista payments, early payments (their amount already has the interest
removed) and installments already past their due date get an immediate charge (``cob``) at the
installment's amount instead (the API refuses a ``cobv`` whose ``dataDeVencimento`` is before
the day it is created: ``CobVOperacaoInvalida``), as do people the company has no name for
(the API requires the payer's name and CPF/CNPJ on a ``cobv``).
"""

from __future__ import annotations

from datetime import datetime

from portal.adapters.payments.base import DueTerms, Payer
from portal.core.clock import BRASILIA
from portal.domain.calendar import anbima_calendar
from portal.domain.cobv import CobvAmount, CobvNotPayable, CobvTerms, cobv_amount
from portal.models import Payment
from portal.services.policies import policy_of


def due_terms_for(payment: Payment, now: datetime) -> DueTerms | None:
    """The terms of a new attempt's ``cobv``, or None for an immediate charge."""
    if now.astimezone(BRASILIA).date() > payment.installment.due_date:
        return None  # the API refuses a cobv due before the day it is created
    return _terms(payment)


def _terms(payment: Payment) -> DueTerms | None:
    agreement = payment.agreement
    contact = agreement.contact
    if payment.is_early or agreement.payment_count <= 1 or contact is None or not contact.name:
        return None
    policy = policy_of(agreement.policy_version)
    return DueTerms(
        due_date=payment.installment.due_date,
        days_valid_after_due=policy.breach.breach_after_days,
        multa_pct=policy.charges.multa_pct,
        juros_monthly_pct=policy.charges.juros_monthly_pct,
        payer=Payer(document=agreement.debtor.document, name=contact.name),
    )


def late_amount(payment: Payment, now: datetime) -> CobvAmount | None:
    """What the payer's bank asks today for an attempt's Pix charge with a due date paid late
    (itemised: the installment, multa, juros), computed as the bank does
    (``portal.domain.cobv``); None when the charge has no due date, is not late, or can no
    longer be paid."""
    terms = _terms(payment) if (payment.flags or {}).get("due_date_charge") else None
    if terms is None:
        return None
    cobv = CobvTerms(
        original_cents=payment.amount_cents,
        due_date=terms.due_date,
        days_valid_after_due=terms.days_valid_after_due,
        multa_pct=terms.multa_pct,
        juros_monthly_pct=terms.juros_monthly_pct,
        discount_cents=terms.discount_cents,
    )
    try:
        amount = cobv_amount(cobv, now.astimezone(BRASILIA).date(), anbima_calendar())
    except CobvNotPayable:  # the code expired: the page says so by its own expiry
        return None
    return amount if amount.late_days else None
