"""What every e-mail about an agreement carries: the creditor's name and CNPJ, the amounts and
dates it promises, and (built by the template from ``BASE_URL``) a link to the agreement's page,
which needs a sign-in: no token and no personal data in it."""

from __future__ import annotations

from typing import Any

from portal.models import Agreement


def agreement_mail_context(agreement: Agreement) -> dict[str, Any]:
    """JSON-safe (the e-mail is rendered by a task): dates as ISO strings, money in centavos."""
    contact = agreement.contact
    return {
        "first_name": contact.first_name if contact else "",
        "creditor": agreement.creditor.legal_name,
        "creditor_cnpj": agreement.creditor.cnpj_formatted,
        "agreement_id": agreement.id,
        "total_cents": agreement.total_cents,
        "paid_cents": sum(i.paid_cents for i in agreement.installments),
        "payment_count": agreement.payment_count,
        "payments": [
            {
                "number": i.number,
                "amount_cents": i.amount_cents,
                "due_date": i.due_date.isoformat(),
            }
            for i in sorted(agreement.installments, key=lambda i: i.number)
        ],
    }
