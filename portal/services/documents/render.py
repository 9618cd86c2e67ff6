"""Rendering a queued document: the template ``pdf/<kind>.html`` in pt-BR, handed to the
renderer in ``app.extensions["pdf_renderer"]``, the bytes stored with their SHA-256. Nothing
renders on a page view; pages serve what is stored.

* **Failures.** A renderer error counts an attempt and is retried by the task (backoff);
  after :data:`MAX_ATTEMPTS` the document is ``failed``, with no content. An error before
  the renderer (missing data, a template bug, an offer whose digest no longer matches) will
  not go away by retrying: the document fails at once and the error is logged.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from babel.lists import format_list
from babel.numbers import format_decimal
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import object_session

from portal.core import DbSession, affected
from portal.core.clock import BRASILIA, now_utc
from portal.core.pix_qr import qr_svg
from portal.domain.offers import Offer, OptionKind
from portal.models import (
    Agreement,
    Document,
    DocumentKind,
    DocumentStatus,
    InstallmentStatus,
    PendingItem,
)
from portal.services.documents.records import (
    LOCALE,
    MAX_ATTEMPTS,
    RenderFailed,
    format_code,
    kind_label,
    receipt_payment,
    verification_url,
)
from portal.services.policies import policy_of

log = logging.getLogger(__name__)


# --- rendering (the task) --------------------------------------------------------------------


def _css_string(text: str) -> str:
    """A CSS string literal, safe inside ``<style>`` (quotes, backslashes, ``<`` escaped)."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F else ch
        for ch in text
    )
    return f'"{escaped}"'


def _page_counter_css() -> Markup:
    """``"página " counter(page) " de " counter(pages)`` from one translatable message."""
    text = _("página %(page)s de %(pages)s", page="\x00", pages="\x01")
    tokens = []
    for part in re.split(r"([\x00\x01])", text):
        if part == "\x00":
            tokens.append("counter(page)")
        elif part == "\x01":
            tokens.append("counter(pages)")
        elif part:
            tokens.append(_css_string(part))
    return Markup(" ".join(tokens))  # noqa: S704 - built from escaped CSS strings only


def pct(value: Decimal | str) -> str:
    """``Decimal("2.49")`` → ``2,49%`` (pt-BR, two places, half-up)."""
    number = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format_decimal(number, format="#,##0.00", locale=LOCALE) + "%"


_BR_PHONE = re.compile(r"\+55(\d{2})(\d{4,5})(\d{4})")


def phone_br(phone: str | None) -> str:
    """``+5541987654321`` → ``(41) 98765-4321``; anything else as it is."""
    match = _BR_PHONE.fullmatch(phone or "")
    return f"({match[1]}) {match[2]}-{match[3]}" if match else (phone or "")


def auth_method_words(method: str) -> str:
    """``magic_link+kba+otp`` (how the session was opened, plus the acceptance code) in plain
    words; a part we do not know is shown as it is."""
    labels = {
        "magic_link": _("link de acesso pessoal enviado ao contato cadastrado"),
        "access_link": _("link de acesso enviado pela empresa"),
        "kba": _("confirmação de dados pessoais"),
        "otp": _("código de uso único enviado ao contato cadastrado"),
    }
    parts: list[str] = list(dict.fromkeys(p for p in re.split(r"[+,\s]+", method or "") if p))
    if not parts:
        return "—"
    return format_list([labels.get(part, part) for part in parts], locale=LOCALE)


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item covered by the agreement: the row (description, original amount) and the
    offer's line (the updated balance as accepted), either of which may be missing."""

    reference: str
    description: str
    original_amount_cents: int | None
    original_due_date: Any
    line: Any


def _item_rows(agreement: Agreement, offer: Offer | None) -> list[ItemRow]:
    rows: dict[str, PendingItem] = {
        str(link.pending_item_id): link.pending_item for link in agreement.items
    }
    result = []
    if offer is not None:
        for line in offer.items:
            item = rows.pop(line.balance.item_id, None)
            result.append(
                ItemRow(
                    reference=item.external_reference if item else line.balance.reference,
                    description=item.description if item else "",
                    original_amount_cents=item.original_amount_cents if item else None,
                    original_due_date=item.original_due_date if item else line.balance.due_date,
                    line=line,
                )
            )
    for item in sorted(rows.values(), key=lambda i: i.id):
        result.append(
            ItemRow(
                item.external_reference,
                item.description,
                item.original_amount_cents,
                item.original_due_date,
                None,
            )
        )
    return result


def _terms_context(agreement: Agreement) -> dict[str, Any]:
    evidence = agreement.evidence
    offer = Offer.from_json(evidence.offer_json, expected_digest=evidence.offer_digest)
    option = offer.option(evidence.chosen_payment_count)
    return {
        "offer": offer,
        "option": option,
        "is_cash": option.kind is OptionKind.CASH,
        "policy": policy_of(agreement.policy_version),
        "evidence": evidence,
        "auth_method": auth_method_words(evidence.auth_method),
        "items": _item_rows(agreement, offer),
        "updated_total_cents": sum(line.balance.total_cents for line in offer.items),
    }


def _receipt_context(document: Document) -> dict[str, Any]:
    agreement = document.agreement
    installment = next(i for i in agreement.installments if i.id == document.installment_id)
    remaining = sum(
        i.open_cents for i in agreement.installments if i.status != InstallmentStatus.CANCELLED
    )
    session = object_session(document)
    payment = receipt_payment(session, document) if session is not None else None
    method = None
    if payment is not None:
        method = {"pix": "Pix", "card": _("Cartão"), "boleto": _("Boleto")}.get(
            payment.method, payment.method
        )
    early = payment is not None and payment.is_early
    return {
        "installment": installment,
        "installment_count": max(i.number for i in agreement.installments),
        "method": method,
        "remaining_cents": remaining,
        "payment": payment,
        "early": early,
        "covers": list(payment.covers) if payment is not None and early else [],
    }


def _discharge_context(agreement: Agreement) -> dict[str, Any]:
    return {
        "items": _item_rows(agreement, None),
        "paid_cents": sum(i.paid_cents for i in agreement.installments),
        "completed_at": agreement.state_changed_at,
    }


def render_html(document: Document, issued_at: datetime) -> str:
    """The document's HTML in pt-BR (needs an application context; reads, never writes)."""
    agreement = document.agreement
    kind = DocumentKind(document.kind)
    code = document.verification_code
    with force_locale(LOCALE):
        url = verification_url(code)
        context: dict[str, Any] = {
            "document": document,
            "kind": kind,
            "kind_label": kind_label(kind),
            "agreement": agreement,
            "creditor": agreement.creditor,
            "debtor": agreement.debtor,
            # The name this agreement's company has for the person (never another's).
            "debtor_name": agreement.contact.name if agreement.contact else "",
            "issued_at": issued_at,
            "issued_on": issued_at.astimezone(BRASILIA).date(),
            "code": format_code(code),
            "verify_url": url,
            "qr_svg": Markup(qr_svg(url)),  # noqa: S704 - drawn by qrcode from our own URL
            "pct": pct,
            "phone_br": phone_br,
            "page_counter_css": _page_counter_css(),
            "code_css": Markup(  # noqa: S704 - an escaped CSS string
                _css_string(_("Código de verificação: %(code)s", code=format_code(code)))
            ),
        }
        if kind is DocumentKind.TERMS:
            context.update(_terms_context(agreement))
        elif kind is DocumentKind.RECEIPT:
            context.update(_receipt_context(document))
        else:
            context.update(_discharge_context(agreement))
        return render_template(f"pdf/{kind.value}.html", **context)


def _fail(session: DbSession, document: Document, *, final: bool) -> RenderFailed:
    document.attempts += 1
    final = final or document.attempts >= MAX_ATTEMPTS
    if final:
        document.status = DocumentStatus.FAILED.value
    session.flush()
    return RenderFailed(document.id, document.attempts, final=final)


@dataclass(frozen=True)
class RenderJob:
    """A pending document with its HTML built: the slow PDF step needs no database."""

    document_id: int
    kind: str
    html: str
    issued_at: datetime


def prepare_render(session: DbSession, document_id: int) -> RenderJob | None:
    """Lock a pending document and build its HTML (the first step of the task).

    ``None`` when there is nothing to render: the document does not exist, is ready or
    failed already, or its HTML cannot be built, which retrying would not mend (the failure
    is recorded and flushed; the caller's unit of work commits it).
    """
    document = session.scalar(
        sa.select(Document).where(Document.id == document_id).with_for_update()
    )
    if document is None:
        log.warning("document %s not found; nothing to render", document_id)
        return None
    if document.status != DocumentStatus.PENDING:
        return None
    issued_at = now_utc()
    try:
        html = render_html(document, issued_at)
    except sa.exc.SQLAlchemyError:
        raise  # the database, not the document: let the task fail and be re-delivered
    except Exception:
        log.exception("document %s (%s) cannot be built; not retrying", document.id, document.kind)
        _fail(session, document, final=True)
        return None
    return RenderJob(document.id, document.kind, html, issued_at)


def render_pdf(job: RenderJob) -> bytes:
    """The slow step (WeasyPrint): run it outside any unit of work, so no transaction stays
    open meanwhile (on SQLite an open writer would make every other one wait)."""
    pdf: bytes = current_app.extensions["pdf_renderer"].render(job.html)
    return pdf


def count_failed_render(session: DbSession, job: RenderJob) -> RenderFailed:
    """Count a failed rendering attempt (flushed): the caller commits it, then retries the
    task unless the failure is ``final``."""
    document = session.scalar(
        sa.select(Document)
        .where(Document.id == job.document_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if document is None or document.status != DocumentStatus.PENDING:
        return RenderFailed(job.document_id, 0, final=True)  # settled meanwhile: stop
    failure = _fail(session, document, final=False)
    log.warning(
        "document %s (%s): rendering attempt %s failed%s",
        job.document_id,
        job.kind,
        failure.attempts,
        "; giving up" if failure.final else "",
    )
    return failure


def store_pdf(session: DbSession, job: RenderJob, pdf: bytes) -> bool:
    """Store the rendered PDF, unless another worker stored one meanwhile (kept as it is)."""
    stored = session.execute(
        sa.update(Document)
        .where(Document.id == job.document_id, Document.status != DocumentStatus.READY.value)
        .values(
            content=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size_bytes=len(pdf),
            status=DocumentStatus.READY.value,
            rendered_at=job.issued_at,
        )
        .execution_options(synchronize_session=False)
    )
    if affected(stored):
        log.info("document %s (%s) rendered: %s bytes", job.document_id, job.kind, len(pdf))
        return True
    log.info("document %s was stored by another worker meanwhile; kept that one", job.document_id)
    return False
