"""Paying early (CDC art. 52 §2): "Quitar agora" and "Antecipar parcelas" on an agreement.

Each page shows today's amount with the interest removed pro rata, what it saves against the
installments' face value and which installments it covers; its form carries only the method
(and, to prepay, how many of the last installments). The amount is computed again on the
server when the attempt opens; nothing typed or tampered with in the form can change it.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.adapters.payments.base import ProviderError
from portal.auth.decorators import debtor_required
from portal.auth.limits import ip_limit
from portal.core.clock import now_utc, today_br
from portal.core.uow import unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.forms import PrepayForm, SettleForm
from portal.debtor.scope import own_agreement
from portal.extensions import db
from portal.http import request_actor
from portal.models import Agreement, Payment, PaymentKind
from portal.services.payments import (
    EarlyOptions,
    PaymentUnavailable,
    early_options,
    start_early_payment,
)


def _back(agreement: Agreement) -> Response:
    return redirect(url_for("debtor.agreement", agreement_id=agreement.id), code=303)


def _start(agreement: Agreement, kind: str, count: int | None, method: str) -> Response:
    if method == "card" and current_app.config["PAYMENT_PROVIDER"] == "pix_api":
        abort(404)  # the API Pix takes Pix only; the page shows no card button
    try:
        with unit_of_work(db.session):
            payment: Payment = start_early_payment(
                db.session,
                agreement.id,
                kind,
                count,
                method,
                actor=request_actor(),
                now=now_utc(),
            )
    except PaymentUnavailable:
        flash(
            _("Este pagamento não está disponível agora. Confira a situação do acordo."), "warning"
        )
        return _back(agreement)
    except ProviderError:
        current_app.logger.exception("payment provider unavailable")
        flash(
            _(
                "Não conseguimos falar com o sistema de pagamentos agora. Nada foi cobrado. "
                "Tente de novo em alguns minutos."
            ),
            "error",
        )
        return _back(agreement)
    if method == "card" and payment.checkout_url and payment.status != "succeeded":
        return redirect(payment.checkout_url, code=303)
    return redirect(url_for("debtor.pix", payment_id=payment.id), code=303)


def _unavailable(agreement: Agreement) -> Response:
    flash(_("Não há parcelas para pagar antecipadamente neste acordo hoje."), "info")
    return _back(agreement)


def _options(agreement: Agreement) -> EarlyOptions:
    return early_options(agreement, today_br())


@bp.route("/acordos/<int:agreement_id>/quitar", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def settle(agreement_id: int) -> Response | tuple[str, int]:
    agreement = own_agreement(agreement_id)
    options = _options(agreement)
    if options.settlement is None:
        return _unavailable(agreement)
    form = SettleForm()
    if form.validate_on_submit():
        return _start(agreement, PaymentKind.SETTLEMENT, None, str(form.metodo.data))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "debtor/agreements/settle.html",
        agreement=agreement,
        quote=options.settlement,
        can_prepay=bool(options.prepayments),
        form=form,
    ), status


@bp.route("/acordos/<int:agreement_id>/antecipar", methods=["GET", "POST"])
@debtor_required
@ip_limit("RATELIMIT_AUTH_IP")
def prepay(agreement_id: int) -> Response | tuple[str, int]:
    agreement = own_agreement(agreement_id)
    options = _options(agreement)
    if not options.prepayments:
        return _unavailable(agreement)
    form = PrepayForm()
    form.allowed = range(1, len(options.prepayments) + 1)
    if form.validate_on_submit():
        return _start(agreement, PaymentKind.PREPAYMENT, form.count, str(form.metodo.data))
    if not form.is_submitted():
        form.parcelas.data = "1"
    status = 400 if form.is_submitted() else 200
    return render_template(
        "debtor/agreements/prepay.html", agreement=agreement, options=options, form=form
    ), status
