"""Paying an installment by boleto: the rules and the payer's address first, then the
linha digitável, the voucher, the due date and the status while the bank clears it.

Like the card's return page, nothing here marks anything paid: only provider events
(webhooks, the sandbox's "Simular pagamento") and the reconciliation job do.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.adapters.payments.base import BoletoCharges, BoletoPayer, ProviderError
from portal.auth.decorators import debtor_required
from portal.auth.limits import ip_limit
from portal.core.clock import BRASILIA, now_utc
from portal.core.uow import unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.boleto_forms import BoletoPayerForm
from portal.debtor.views.payments import _code_withdrawn, _own_installment, _own_payment
from portal.domain.boleto import InvalidBoleto, format_line
from portal.domain.payments import OPEN
from portal.extensions import db
from portal.http import request_actor
from portal.models import Document, Installment, Payment
from portal.services.payments import PaymentUnavailable, next_payable, provider, start_payment


@bp.app_template_global("boletos_accepted")
def boletos_accepted() -> bool:
    """The provider issues boletos (Stripe, the sandbox; not the API Pix)."""
    return isinstance(provider(), BoletoCharges)


@bp.app_template_global("open_boleto")
def open_boleto(installment: Installment) -> Payment | None:
    """The installment's open boleto, if any: the agreement page points to it."""
    return db.session.scalar(
        sa.select(Payment)
        .where(
            Payment.installment_id == installment.id,
            Payment.method == "boleto",
            Payment.status.in_([s.value for s in OPEN]),
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )


def _unavailable(agreement_id: int) -> Response:
    flash(_("Este pagamento não está disponível agora. Confira a situação do acordo."), "warning")
    return redirect(url_for("debtor.agreement", agreement_id=agreement_id), code=303)


@bp.route(
    "/acordos/<int:agreement_id>/pagamentos/<int:number>/pagar-com-boleto",
    methods=["GET", "POST"],
)
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def pay_boleto(agreement_id: int, number: int) -> Response | str:
    if not boletos_accepted():
        abort(404)
    installment = _own_installment(agreement_id, number)
    agreement = installment.agreement
    contact = agreement.contact
    if next_payable(agreement) is not installment or contact is None:
        return _unavailable(agreement_id)
    form = BoletoPayerForm()
    need_email = not contact.email
    valid = form.validate_on_submit()
    if valid and need_email and not form.email.data:
        form.email.errors = [_("Informe o e-mail para receber o boleto.")]
        valid = False
    if valid:
        payer = BoletoPayer(
            tax_id=g.debtor.document,
            name=contact.name,
            email=str(form.email.data or contact.email).strip(),
            line1=str(form.endereco.data).strip(),
            city=str(form.cidade.data).strip(),
            state=str(form.uf.data),
            postal_code=form.postal_code,
        )
        try:
            with unit_of_work(db.session):
                payment = start_payment(
                    db.session,
                    installment.id,
                    "boleto",
                    actor=request_actor(),
                    now=now_utc(),
                    payer=payer,
                )
        except PaymentUnavailable:
            return _unavailable(agreement_id)
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
        return redirect(url_for("debtor.boleto", payment_id=payment.id), code=303)
    days = current_app.config["BOLETO_EXPIRY_DAYS"]
    due = now_utc().astimezone(BRASILIA).date() + timedelta(days=days)
    return render_template(
        "debtor/payments/boleto-choose.html",
        form=form,
        agreement=agreement,
        installment=installment,
        amount_cents=installment.open_cents,
        due=due,
        need_email=need_email,
        open_other=any(p.method != "boleto" for p in _open_attempts(installment)),
    )


def _open_attempts(installment: Installment) -> list[Payment]:
    return list(
        db.session.scalars(
            sa.select(Payment).where(
                Payment.installment_id == installment.id,
                Payment.status.in_([s.value for s in OPEN]),
            )
        )
    )


@bp.get("/pagamentos/<int:payment_id>/boleto")
@debtor_required
def boleto(payment_id: int) -> str:
    payment = _own_payment(payment_id)
    if payment.method != "boleto":
        abort(404)
    line = None
    if payment.boleto_line:
        try:
            line = format_line("".join(ch for ch in payment.boleto_line if ch.isdigit()))
        except InvalidBoleto:
            line = payment.boleto_line
    receipt = db.session.scalar(
        sa.select(Document).where(Document.payment_id == payment.id).limit(1)
    )
    return render_template(
        "debtor/payments/boleto.html",
        payment=payment,
        agreement=payment.agreement,
        installment=payment.installment,
        line=line,
        ended=_code_withdrawn(payment),
        receipt=receipt,
        sandbox=current_app.config["PAYMENT_PROVIDER"] == "sandbox",
    )
