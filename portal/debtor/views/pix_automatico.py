"""Pix Automático on an agreement: what it means, the authorisation request (the QR code her
bank app reads), its status, and cancelling it (with a confirmation).

The page explains in plain words before anything is asked: each installment is debited from
her account on its date, for its amount, and she can cancel at any time in her bank app or
here. Nothing is charged until her bank tells us she approved.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.adapters.payments.base import ProviderError
from portal.auth.decorators import debtor_required
from portal.core.clock import now_utc, today_br
from portal.core.pix_qr import qr_svg
from portal.core.uow import unit_of_work
from portal.debtor.blueprint import bp
from portal.debtor.scope import own_agreement
from portal.extensions import db
from portal.http import request_actor
from portal.models import Agreement
from portal.services.payments import PaymentUnavailable
from portal.services.payments.recurring import (
    cancel_authorisation,
    current_recurrence,
    recurrence_offer,
    request_authorisation,
)


def automatico_context(agreement: Agreement) -> dict[str, Any]:
    """What the agreement page shows about Pix Automático (its section reads these)."""
    recurrence = current_recurrence(db.session, agreement)
    return {
        "automatico_offer": recurrence_offer(db.session, agreement, today_br()),
        "automatico": recurrence,
    }


def _back(agreement: Agreement) -> Response:
    return redirect(url_for("debtor.agreement", agreement_id=agreement.id), code=303)


def _unavailable_flash() -> None:
    flash(
        _(
            "Não conseguimos falar com o sistema de pagamentos agora. Nada foi autorizado nem "
            "cobrado. Tente de novo em alguns minutos."
        ),
        "error",
    )


@bp.get("/acordos/<int:agreement_id>/debito-automatico")
@debtor_required
def automatico(agreement_id: int) -> str | Response:
    agreement = own_agreement(agreement_id)
    context = automatico_context(agreement)
    if context["automatico_offer"] is None and context["automatico"] is None:
        return _back(agreement)
    recurrence = context["automatico"]
    waiting = recurrence is not None and recurrence.status == "requested"
    payload = recurrence.pix_payload if waiting and recurrence is not None else None
    return render_template(
        "debtor/agreements/pix_automatico.html",
        agreement=agreement,
        qr=qr_svg(payload) if payload else None,
        sandbox=current_app.config["PAYMENT_PROVIDER"] == "sandbox",
        **context,
    )


@bp.post("/acordos/<int:agreement_id>/debito-automatico")
@debtor_required
def automatico_request(agreement_id: int) -> Response:
    agreement = own_agreement(agreement_id)
    try:
        with unit_of_work(db.session):
            request_authorisation(
                db.session, agreement.id, actor=request_actor(), now=now_utc(), today=today_br()
            )
    except PaymentUnavailable:
        flash(_("O débito automático não está disponível para este acordo agora."), "warning")
        return _back(agreement)
    except ProviderError:
        current_app.logger.exception("payment provider unavailable (pix automático)")
        _unavailable_flash()
        return _back(agreement)
    return redirect(url_for("debtor.automatico", agreement_id=agreement.id), code=303)


@bp.route("/acordos/<int:agreement_id>/debito-automatico/cancelar", methods=["GET", "POST"])
@debtor_required
def automatico_cancel(agreement_id: int) -> str | Response:
    agreement = own_agreement(agreement_id)
    recurrence = current_recurrence(db.session, agreement)
    if recurrence is None or recurrence.status not in ("requested", "approved"):
        return _back(agreement)

    if request.method == "POST":
        try:
            with unit_of_work(db.session):
                cancel_authorisation(db.session, agreement.id, actor=request_actor(), now=now_utc())
        except ProviderError:
            current_app.logger.exception("payment provider unavailable (pix automático)")
            _unavailable_flash()
            return _back(agreement)
        flash(
            _(
                "Débito automático cancelado. Nada mais será debitado; pague as próximas "
                "parcelas aqui, com Pix."
            ),
            "success",
        )
        return _back(agreement)
    return render_template(
        "debtor/agreements/pix_automatico_cancel.html", agreement=agreement, automatico=recurrence
    )
