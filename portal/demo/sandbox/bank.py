"""The sandbox's stand-in for the payer's bank app, for Pix charges with a due date (``cobv``).

A dynamic sandbox BR Code points here (``/sandbox/banco/<ref>``). Like a real bank reading the
charge's location, the page shows what is due on the day of payment: the original amount, less
the desconto up to the due date, or plus multa and juros after it
(``portal.domain.cobv.cobv_amount``); past the last payable day it refuses to pay. Paying
posts to the sandbox's ``pay_pix``, which records today's amount (``SandboxDueCharges``).
"""

from __future__ import annotations

from flask import abort, render_template

from portal.adapters.payments.sandbox_due import COBV, cobv_terms
from portal.core.clock import today_br
from portal.domain.calendar import anbima_calendar
from portal.domain.cobv import CobvNotPayable, extended_due, last_payable_day
from portal.extensions import db
from portal.models import Payment, SandboxCharge
from portal.services.payments import provider


def bank(ref: str) -> str:
    """``GET /sandbox/banco/<ref>`` (registered by the sandbox blueprint)."""
    charge = db.session.query(SandboxCharge).filter_by(ref=ref, kind=COBV).one_or_none()
    if charge is None:
        abort(404)
    terms = cobv_terms(charge)
    calendar = anbima_calendar()
    try:
        quote = provider().due_quote(ref, today_br())  # type: ignore[attr-defined]
    except CobvNotPayable:
        quote = None
    return render_template(
        "sandbox/bank.html",
        charge=charge,
        terms=terms,
        due=extended_due(terms, calendar),
        last_day=last_payable_day(terms, calendar),
        quote=quote,
        open=charge.status == "awaiting",
        creditor=payment.agreement.creditor
        if (payment := db.session.query(Payment).filter_by(provider_ref=ref).one_or_none())
        else None,
    )
