"""PDF documents: the terms of an agreement, a receipt per payment, the discharge letter.

A document is a row first (``queue_document``, in the caller's unit of work) and a PDF
later: the ``portal.render_document`` task (:mod:`portal.services.documents.render`), sent
after the commit, renders it. This module queues, finds and verifies documents.

* **Once.** One row per ``doc_key`` (agreement, kind, installment): queueing again returns
  the existing row and sends nothing. A ready document is never rendered again and its
  content is never overwritten (the final UPDATE is conditional on the status).
* **Verification.** Every document carries a code from an unambiguous alphabet (Crockford
  base32: no I, L, O or U), printed in its footer with a QR code to ``/verificar/<code>``.
  The terms reuse the agreement's own code, which the acceptance e-mail already shows, so
  the e-mail and the PDF name the same code. :func:`verify` answers with the creditor, the
  kind, the date, the agreement's state and the offer digest: never debtor data.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import object_session, undefer

from portal.core import DbSession
from portal.core.after_commit import enqueue_after_commit
from portal.domain.agreements import AgreementState
from portal.models import (
    Agreement,
    Document,
    DocumentKind,
    DocumentStatus,
    Installment,
    Payment,
)

log = logging.getLogger(__name__)


LOCALE = "pt_BR"  # documents are legal texts in Portuguese, whoever asks for them
MAX_ATTEMPTS = 3
RENDER_TASK = "portal.render_document"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 12
# Agreements' codes have 10 characters, documents' own 12; the column holds up to 16.
_CODE_SHAPE = re.compile(f"[{CODE_ALPHABET}]{{10,16}}")
# What people type by mistake, as Crockford decodes it: I and L read as 1, O as 0.
_CODE_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CODE_SEPARATORS = re.compile(r"[\s\-_.]+")


class RenderFailed(Exception):
    """One rendering attempt failed; ``final`` when no further attempt will be made."""

    def __init__(self, document_id: int, attempts: int, *, final: bool) -> None:
        super().__init__(f"document {document_id}: attempt {attempts} failed")
        self.document_id = document_id
        self.attempts = attempts
        self.final = final


# --- verification codes ----------------------------------------------------------------------


def new_verification_code() -> str:
    """A random code of :data:`CODE_LENGTH` characters (60 bits) from the Crockford alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """``abcd-efgh jk`` → ``ABCDEFGHJK``; ``None`` when it cannot be a code."""
    value = _CODE_SEPARATORS.sub("", raw or "").upper().translate(_CODE_ALIASES)
    return value if _CODE_SHAPE.fullmatch(value) else None


def format_code(code: str) -> str:
    """Groups of four for reading aloud or typing: ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verification_url(code: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verificar/{code}"


# --- labels shared by the documents and the verification page --------------------------------


def kind_label(kind: DocumentKind | str) -> str:
    labels = {
        DocumentKind.TERMS: _("Termo de acordo"),
        DocumentKind.RECEIPT: _("Comprovante de pagamento"),
        DocumentKind.DISCHARGE: _("Termo de quitação"),
    }
    return labels[DocumentKind(kind)]


def state_label(state: AgreementState | str) -> str:
    labels = {
        AgreementState.AWAITING_DOWN_PAYMENT: _("Aguardando o pagamento da entrada"),
        AgreementState.ACTIVE: _("Em andamento"),
        AgreementState.COMPLETED: _("Quitado"),
        AgreementState.LAPSED: _("Sem efeito: a entrada não foi paga"),
        AgreementState.BROKEN: _("Encerrado por atraso no pagamento"),
        AgreementState.CANCELLED: _("Cancelado"),
    }
    return labels[AgreementState(state)]


# --- queueing --------------------------------------------------------------------------------


def _by_key(session: DbSession, key: str) -> Document | None:
    return session.scalar(sa.select(Document).where(Document.doc_key == key))


def _check_request(
    agreement: Agreement, kind: DocumentKind, installment: Installment | None
) -> None:
    if kind is DocumentKind.RECEIPT:
        if installment is None or installment.agreement_id != agreement.id:
            raise ValueError("a receipt needs an installment of the same agreement")
    elif installment is not None:
        raise ValueError(f"a {kind.value} document is not about one installment")
    if kind is DocumentKind.DISCHARGE and agreement.state != AgreementState.COMPLETED:
        raise ValueError("a discharge letter is only issued for a completed agreement")


def queue_document(
    session: DbSession,
    agreement: Agreement,
    kind: DocumentKind | str,
    installment: Installment | None = None,
    payment: Payment | None = None,
) -> Document:
    """The document of ``kind`` for ``agreement`` (and ``installment``, for a receipt, with
    the ``payment`` it acknowledges when there is one).

    Creates a pending row and sends ``portal.render_document`` once ``session`` commits; if
    the row exists already, returns it and sends nothing. Two transactions racing for the
    same document collide on the unique ``doc_key``: the second one fails at flush and its
    caller rolls back (the first one's document stands).
    """
    kind = DocumentKind(kind)
    _check_request(agreement, kind, installment)
    key = Document.key_for(agreement.id, kind, installment.id if installment else None)
    existing = _by_key(session, key)
    if existing is not None:
        return existing
    code = agreement.verification_code if kind is DocumentKind.TERMS else None
    document = Document(
        doc_key=key,
        agreement_id=agreement.id,
        installment_id=installment.id if installment else None,
        payment_id=payment.id if payment is not None and kind is DocumentKind.RECEIPT else None,
        kind=kind.value,
        verification_code=normalise_code(code or "") or new_verification_code(),
        status=DocumentStatus.PENDING.value,
        attempts=0,
    )
    session.add(document)
    session.flush()
    enqueue_after_commit(session, RENDER_TASK, document_id=document.id)
    return document


# --- reading ---------------------------------------------------------------------------------


def document_for_download(session: DbSession, document_id: int, debtor_id: int) -> Document | None:
    """The debtor's own document, content loaded; ``None`` if it is not theirs (or missing).

    Any status is returned: a view serves ``content`` only when the status is ``ready``
    and otherwise says the document is being prepared. It never renders.
    """
    return session.scalar(
        sa.select(Document)
        .join(Agreement, Agreement.id == Document.agreement_id)
        .where(Document.id == document_id, Agreement.debtor_id == debtor_id)
        .options(undefer(Document.content))
    )


def _receipt_part(document: Document) -> tuple[str, int | None]:
    """What a receipt acknowledges: ``settlement``/``prepayment`` (an early payment, filed
    under the first installment it paid), ``single`` (à vista), ``down`` or ``installment``
    with its number."""
    session = object_session(document)
    payment = session.get(Payment, document.payment_id) if session and document.payment_id else None
    if payment is not None and payment.kind in ("settlement", "prepayment"):
        return payment.kind, None
    number = next(
        i.number for i in document.agreement.installments if i.id == document.installment_id
    )
    if document.agreement.payment_count == 1:
        return "single", None
    return ("down", None) if number == 0 else ("installment", number)


def download_name(document: Document) -> str:
    """Distinct for every document of an agreement: ``termo-de-acordo-12.pdf``,
    ``comprovante-12-entrada.pdf``, ``comprovante-12-parcela-3.pdf``,
    ``comprovante-12-a-vista.pdf``, ``comprovante-12-quitacao-antecipada-3.pdf``,
    ``termo-de-quitacao-12.pdf``."""
    names = {
        DocumentKind.TERMS: "termo-de-acordo",
        DocumentKind.RECEIPT: "comprovante",
        DocumentKind.DISCHARGE: "termo-de-quitacao",
    }
    name = f"{names[DocumentKind(document.kind)]}-{document.agreement_id}"
    if document.kind == DocumentKind.RECEIPT and document.installment_id is not None:
        part, number = _receipt_part(document)
        suffix = {
            "settlement": f"quitacao-antecipada-{document.id}",
            "prepayment": f"antecipacao-{document.id}",
            "single": "a-vista",
            "down": "entrada",
            "installment": f"parcela-{number}",
        }[part]
        name += f"-{suffix}"
    return f"{name}.pdf"


def document_label(document: Document) -> str:
    """The document's name in the debtor's list: "Comprovante da parcela 2", not one more
    "Comprovante de pagamento"."""
    if document.kind == DocumentKind.TERMS:
        return _("Termo do acordo")
    if document.kind != DocumentKind.RECEIPT or document.installment_id is None:
        return kind_label(document.kind)
    part, number = _receipt_part(document)
    if part == "settlement":
        return _("Comprovante da quitação antecipada")
    if part == "prepayment":
        return _("Comprovante da antecipação de parcelas")
    if part == "single":
        return _("Comprovante do pagamento à vista")
    if part == "down":
        return _("Comprovante da entrada")
    return _("Comprovante da parcela %(n)s", n=number)


@dataclass(frozen=True, slots=True)
class VerificationView:
    """What ``/verificar/<code>`` may show: the document's origin, never who it is about."""

    code: str
    creditor_legal_name: str
    creditor_cnpj: str
    kind: DocumentKind
    issued_at: datetime
    agreement_state: AgreementState
    offer_digest: str
    paid_cents: int | None = None  # receipts: the amount the receipt acknowledges


def verify(session: DbSession, code: str) -> VerificationView | None:
    """Look a document up by the code printed on it (any spelling :func:`normalise_code`
    accepts); ``None`` when no document has it. Reads only; never renders."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    document = session.scalar(sa.select(Document).where(Document.verification_code == normalised))
    if document is None:
        return None
    agreement = document.agreement
    creditor = agreement.creditor
    return VerificationView(
        code=normalised,
        creditor_legal_name=creditor.legal_name,
        creditor_cnpj=creditor.cnpj_formatted,
        kind=DocumentKind(document.kind),
        issued_at=document.rendered_at or agreement.created_at,
        agreement_state=AgreementState(agreement.state),
        offer_digest=agreement.evidence.offer_digest,
        paid_cents=receipt_paid_cents(session, document),
    )


def receipt_payment(session: DbSession, document: Document) -> Payment | None:
    """The payment a receipt acknowledges: its own, or (receipts written before they named
    it) the latest that succeeded for its installment; ``None`` for a payment recorded by
    staff."""
    if document.payment_id is not None:
        return session.get(Payment, document.payment_id)
    if document.installment_id is None:
        return None
    return session.scalar(
        sa.select(Payment)
        .where(Payment.installment_id == document.installment_id, Payment.status == "succeeded")
        .order_by(Payment.succeeded_at.desc(), Payment.id.desc())
        .limit(1)
    )


def receipt_paid_cents(session: DbSession, document: Document) -> int | None:
    """What a receipt acknowledges as paid (``None`` for other documents)."""
    if document.kind != DocumentKind.RECEIPT:
        return None
    payment = receipt_payment(session, document)
    if payment is not None and payment.is_early:
        return payment.applied_cents
    return next(
        (i.paid_cents for i in document.agreement.installments if i.id == document.installment_id),
        None,
    )


STALE_AFTER_MINUTES = 10


def requeue_stale(session: DbSession, now: datetime) -> int:
    """Send pending documents older than a few minutes to rendering again (a lost task, a
    worker restart); rendering is idempotent, so a duplicate only costs time."""
    stale = list(
        session.scalars(
            sa.select(Document.id).where(
                Document.status == DocumentStatus.PENDING.value,
                Document.created_at < now - timedelta(minutes=STALE_AFTER_MINUTES),
            )
        )
    )
    for document_id in stale:
        enqueue_after_commit(session, RENDER_TASK, document_id=document_id)
    return len(stale)
