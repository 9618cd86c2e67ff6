"""The sandbox's boleto voucher page: the stand-in for the printed boleto and for the payer's
bank clearing it ("Simular pagamento"), in the embedded default only."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.demo.sandbox import _charge_or_404, _payment, _simulate_paid
from portal.domain.boleto import format_line

bp = Blueprint("sandbox_boleto", __name__, url_prefix="/sandbox")


@bp.get("/boleto/<ref>")
def boleto_voucher(ref: str) -> str:
    charge = _charge_or_404(ref)
    payment = _payment(ref)
    line = charge.details.get("boleto_line")
    return render_template(
        "sandbox/boleto.html",
        charge=charge,
        payment=payment,
        creditor=payment.agreement.creditor if payment else None,
        line=format_line(line) if line else None,
    )


@bp.post("/boleto/<ref>/pagar")
def pay_boleto(ref: str) -> Response:
    charge = _charge_or_404(ref)
    if charge.kind == "boleto" and charge.status == "awaiting":
        _simulate_paid(ref)
    payment = _payment(ref)
    target = url_for("debtor.boleto", payment_id=payment.id) if payment else url_for("public.index")
    return redirect(target, code=303)
