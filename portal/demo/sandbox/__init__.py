"""Stand-ins for the payer's bank and for the hosted card page, in the embedded default only.

Registered only when PAYMENT_PROVIDER is ``sandbox`` (never in production). A simulated
payment goes through the same pipeline as a real webhook (``process_event``).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.adapters.payments.base import ProviderError
from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.demo.sandbox.bank import bank
from portal.extensions import db
from portal.models import ActorType, Payment, SandboxCharge
from portal.services.payments import process_event, provider

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
ACTOR = Actor(ActorType.PROVIDER, "sandbox")


def _charge_or_404(ref: str) -> SandboxCharge:
    charge = db.session.query(SandboxCharge).filter_by(ref=ref).one_or_none()
    if charge is None:
        abort(404)
    return charge


def _payment(ref: str) -> Payment | None:
    return db.session.query(Payment).filter_by(provider_ref=ref).one_or_none()


def _simulate_paid(ref: str) -> None:
    event = provider().simulate_success(ref, now_utc())  # type: ignore[attr-defined]
    with unit_of_work(db.session):
        process_event(db.session, "sandbox", event, actor=ACTOR, now=now_utc())


@bp.post("/pix/<ref>/pagar")
def pay_pix(ref: str) -> Response:
    _charge_or_404(ref)
    try:
        _simulate_paid(ref)
    except ProviderError:  # a cobv past its last payable day: its bank page says so
        return redirect(url_for("sandbox.bank", ref=ref), code=303)
    payment = _payment(ref)
    target = url_for("debtor.pix", payment_id=payment.id) if payment else url_for("public.index")
    return redirect(target, code=303)


@bp.route("/checkout/<ref>", methods=["GET", "POST"])
def checkout(ref: str) -> Response | str:
    charge = _charge_or_404(ref)
    if request.method == "POST":
        if request.form.get("acao") == "pagar":
            _simulate_paid(ref)
            return redirect(str(charge.success_url), code=303)
        return redirect(str(charge.cancel_url), code=303)
    payment = _payment(ref)
    return render_template(
        "sandbox/checkout.html",
        charge=charge,
        creditor=payment.agreement.creditor if payment else None,
    )


bp.add_url_rule("/banco/<ref>", "bank", bank)  # the payer's bank for a cobv

from portal.demo.sandbox.recurring import register_recurring  # noqa: E402

register_recurring(bp)  # Pix Automático: the payer's bank approving
