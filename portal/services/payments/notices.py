"""What a payment's success or return tells the world: the receipt, the company's
``payment.succeeded`` event and the debtor's e-mail, queued in the caller's unit of work (all
leave after the commit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import current_app

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.clock import BRASILIA
from portal.core.context import SYSTEM
from portal.core.formatting import brl
from portal.models import DocumentKind, Installment, InstallmentStatus, Payment
from portal.services.documents import queue_document
from portal.services.integration import emit
from portal.services.negotiation import Credit
from portal.services.notify import queue_email


def tell_about_refund(session: DbSession, payment: Payment, received: int, now: datetime) -> None:
    """Money arrived for an agreement that had ended: say what arrived, why it goes back and
    when (the refund itself is the ``portal.refund_excess`` task, queued by the caller)."""
    agreement = payment.agreement
    record_event(
        session,
        SYSTEM,
        "payment.returned_agreement_ended",
        subject=("payment", payment.id),
        creditor_id=agreement.creditor_id,
        details={"agreement_id": agreement.id, "received_cents": received},
    )
    contact = payment.agreement.contact  # the person as this agreement's company knows them
    if contact is None or not contact.email:
        return
    when = "no mesmo dia" if payment.method == "pix" else "em até duas faturas do cartão"
    how = (
        f"A devolução vai para a mesma conta ou cartão de onde o dinheiro saiu, "
        f"normalmente {when}. Você não precisa fazer nada."
    )
    if payment.method == "boleto":  # a boleto cannot be refunded through the provider
        how = (
            "Um boleto pago não pode ser estornado pelo banco: vamos entrar em contato para "
            "combinar a conta em seu nome onde depositar o valor."
        )
    queue_email(
        session,
        to=contact.email,
        template="notice",
        context={
            "subject": "Vamos devolver o seu pagamento",
            "title": f"Recebemos {brl(received)} e vamos devolver o valor",
            "paragraphs": [
                f"Em {now.astimezone(BRASILIA):%d/%m/%Y} recebemos {brl(received)} para o "
                f"acordo nº {agreement.id} com {agreement.creditor.legal_name} "
                f"(CNPJ {agreement.creditor.cnpj_formatted}).",
                "Esse acordo já tinha sido encerrado, então o pagamento não pode ser usado "
                "nele. Vamos devolver o valor integral, sem nenhum desconto.",
                how,
            ],
        },
    )


def early_details(payment: Payment, credits: Sequence[Credit]) -> dict[str, Any]:
    """An early payment's own facts, for its audit record and the company's event."""
    return {
        "kind": payment.kind,
        "installment_numbers": [credit.installment.number for credit in credits],
        "discount_cents": sum(credit.discount_cents for credit in credits),
    }


def _numbers_in_words(numbers: Sequence[int]) -> str:
    names = ["a entrada" if n == 0 else f"a parcela {n}" for n in numbers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " e " + names[-1]


def after_success(
    session: DbSession, payment: Payment, installment: Installment, credits: Sequence[Credit]
) -> None:
    """The receipt (naming the payment, filed under the first installment it paid), the
    company's ``payment.succeeded`` event and the debtor's e-mail."""
    agreement = installment.agreement
    queue_document(session, agreement, DocumentKind.RECEIPT, credits[0].installment, payment)
    facts = early_details(payment, credits)
    emit(
        session,
        agreement.creditor_id,
        "payment.succeeded",
        {
            "payment": {
                "id": payment.id,
                "method": payment.method,
                "amount_cents": payment.applied_cents,
                "agreement_id": agreement.id,
                "installment_number": installment.number,
                **facts,
                "succeeded_at": (payment.succeeded_at or agreement.created_at).isoformat(),
            },
        },
    )
    contact = payment.agreement.contact  # the person as this agreement's company knows them
    if contact is None or not contact.email:
        return
    company = f"{agreement.creditor.legal_name} (CNPJ {agreement.creditor.cnpj_formatted})"
    if payment.is_early:
        paragraphs = [
            f"O pagamento antecipado do acordo nº {agreement.id} com "
            f"{company} foi confirmado e quitou "
            f"{_numbers_in_words(facts['installment_numbers'])}.",
            f"Os juros dessas parcelas foram descontados pelo tempo que faltava até cada "
            f"vencimento: você economizou {brl(facts['discount_cents'])}.",
        ]
    else:
        paragraphs = [
            f"O pagamento {installment.number + 1} de {agreement.payment_count} do acordo "
            f"nº {agreement.id} com {company} foi confirmado."
        ]
    # Called before the credits are recorded: what each installment still owes after them.
    credited = {c.installment.id: 0 for c in credits}
    for credit in credits:
        credited[credit.installment.id] += credit.amount_cents + credit.discount_cents
    owed = [
        (i, i.open_cents - credited.get(i.id, 0))
        for i in sorted(agreement.installments, key=lambda i: i.number)
        if i.status == InstallmentStatus.PENDING
    ]
    upcoming = next(((i, cents) for i, cents in owed if cents > 0), None)
    if upcoming is not None:
        paragraphs.append(
            f"Próximo pagamento: {brl(upcoming[1])}, com vencimento em "
            f"{upcoming[0].due_date:%d/%m/%Y}."
        )
    paragraphs.append("O comprovante fica disponível no portal, na página do acordo.")
    queue_email(
        session,
        to=contact.email,
        template="notice",
        context={
            "subject": "Pagamento recebido",
            "title": f"Recebemos seu pagamento de {brl(payment.applied_cents)}",
            "paragraphs": paragraphs,
            "action_url": f"{current_app.config['BASE_URL'].rstrip('/')}/acordos/{agreement.id}",
            "action_label": "Ver o acordo e o comprovante",
        },
    )
