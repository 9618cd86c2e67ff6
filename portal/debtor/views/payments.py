"""Paying an installment: Pix (our own QR page) or card (the provider's hosted page).

The return pages of the card flow never mark anything paid: only provider events (webhooks)
and the reconciliation job do (requirements.md C13).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager
from werkzeug.wrappers import Response

from portal.adapters.payments.base import ProviderError
from portal.auth.decorators import debtor_required
from portal.auth.limits import ip_limit
from portal.core.clock import now_utc
from portal.core.pix_qr import qr_svg
from portal.core.uow import unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.forms import SendStepUpForm
from portal.debtor.scope import own_agreement, proved
from portal.domain.agreements import OPEN_STATES
from portal.domain.pix import InvalidBRCode, parse_brcode
from portal.extensions import db
from portal.http import request_actor
from portal.models import Agreement, Installment, Payment
from portal.services.payments import PaymentUnavailable, late_amount, start_payment

PAYABLE_METHODS = ("pix", "card")


def _own_installment(agreement_id: int, number: int) -> Installment:
    agreement = own_agreement(agreement_id)
    installment = next((i for i in agreement.installments if i.number == number), None)
    if installment is None:
        abort(404)
    return installment


def _own_payment(payment_id: int) -> Payment:
    """The debtor's own payment with its agreement and creditor, in one statement (the Pix
    page polls its status every few seconds), and only for a company the session proved."""
    payment = db.session.scalar(
        sa.select(Payment)
        .join(Payment.agreement)
        .where(
            Payment.id == payment_id,
            Agreement.debtor_id == g.debtor.id,
            Agreement.creditor_id.in_(proved() or {-1}),
        )
        .options(contains_eager(Payment.agreement).joinedload(Agreement.creditor))
    )
    if payment is None:
        abort(404)
    g.creditor = payment.agreement.creditor
    return payment


@bp.post("/acordos/<int:agreement_id>/pagamentos/<int:number>/<method>")
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def pay(agreement_id: int, number: int, method: str) -> Response:
    if method not in PAYABLE_METHODS or not SendStepUpForm().validate_on_submit():
        abort(404)
    if method == "card" and current_app.config["PAYMENT_PROVIDER"] == "pix_api":
        abort(404)  # the API Pix takes Pix only; the page shows no card button
    installment = _own_installment(agreement_id, number)
    try:
        with unit_of_work(db.session):
            payment = start_payment(
                db.session, installment.id, method, actor=request_actor(), now=now_utc()
            )
    except PaymentUnavailable:
        flash(
            _("Este pagamento não está disponível agora. Confira a situação do acordo."), "warning"
        )
        return redirect(url_for("debtor.agreement", agreement_id=agreement_id), code=303)
    except ProviderError:
        current_app.logger.exception("payment provider unavailable")
        flash(
            _(
                "Não conseguimos falar com o sistema de pagamentos agora. Nada foi cobrado. "
                "Tente de novo em alguns minutos."
            ),
            "error",
        )
        return redirect(url_for("debtor.agreement", agreement_id=agreement_id), code=303)
    if method == "card" and payment.checkout_url and payment.status != "succeeded":
        return redirect(payment.checkout_url, code=303)
    return redirect(url_for("debtor.pix", payment_id=payment.id), code=303)


def _code_withdrawn(payment: Payment) -> bool:
    """The agreement ended (cancelled, lapsed, broken) before this code was paid: whatever the
    provider still says, the code must not be paid."""
    return payment.status not in ("succeeded", "refunded") and (
        payment.agreement.lifecycle_state not in OPEN_STATES
    )


@bp.get("/pagamentos/<int:payment_id>/pix")
@debtor_required
def pix(payment_id: int) -> str:
    payment = _own_payment(payment_id)
    if payment.method != "pix":
        abort(404)
    qr = receiver = late = None
    ended = _code_withdrawn(payment)
    if payment.pix_payload and payment.status not in ("succeeded", "refunded") and not ended:
        late = late_amount(payment, now_utc())  # a cobv past its due date: today's amount
        qr = qr_svg(payment.pix_payload)
        try:
            receiver = parse_brcode(payment.pix_payload).merchant_name
        except InvalidBRCode:
            receiver = None
    return render_template(
        "debtor/payments/pix.html",
        payment=payment,
        agreement=payment.agreement,
        installment=payment.installment,
        qr=qr,
        receiver=receiver,
        late=late,
        ended=ended,
        now=now_utc(),
        sandbox=current_app.config["PAYMENT_PROVIDER"] == "sandbox",
    )


@bp.get("/pagamentos/<int:payment_id>/situacao")
@debtor_required
def payment_status(payment_id: int) -> Response:
    """Polled by the Pix page's small script; the page works without it (refresh link)."""
    payment = _own_payment(payment_id)
    response = jsonify(
        {
            "status": payment.status,
            "paid": payment.status == "succeeded" and payment.applied_cents > 0,
            "refunding": payment.status in ("succeeded", "refunded") and not payment.applied_cents,
            "ended": _code_withdrawn(payment),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _own_card_attempt(agreement_id: int, number: int, attempt: int) -> Payment:
    installment = _own_installment(agreement_id, number)
    payment = db.session.scalar(
        sa.select(Payment).where(
            Payment.installment_id == installment.id,
            Payment.method == "card",
            Payment.attempt == attempt,
        )
    )
    if payment is None:
        abort(404)
    return payment


_CARD_ATTEMPT = "/acordos/<int:agreement_id>/pagamentos/<int:number>/cartao/<int:attempt>"


@bp.get(f"{_CARD_ATTEMPT}/retorno")
@debtor_required
def card_return(agreement_id: int, number: int, attempt: int) -> str:
    """The provider sends the debtor back here; the page only reads what webhooks wrote."""
    payment = _own_card_attempt(agreement_id, number, attempt)
    return render_template(
        "debtor/payments/card-return.html",
        payment=payment,
        agreement=payment.agreement,
        cancelled=False,
    )


@bp.get(f"{_CARD_ATTEMPT}/cancelado")
@debtor_required
def card_cancelled(agreement_id: int, number: int, attempt: int) -> str:
    payment = _own_card_attempt(agreement_id, number, attempt)
    return render_template(
        "debtor/payments/card-return.html",
        payment=payment,
        agreement=payment.agreement,
        cancelled=True,
    )
