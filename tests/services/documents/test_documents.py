"""Documents: queued in the unit of work, rendered once by a
task after the commit, stored, and verifiable by their code without any debtor data.

Most tests use a counting fake renderer; three render with WeasyPrint for real (about half
a second each) and read the PDF back with pypdf.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader
from sqlalchemy.exc import OperationalError

from portal.adapters.pdf import MINIMAL_PDF, WeasyPrintRenderer
from portal.core.after_commit import pending_callbacks
from portal.core.clock import now_utc
from portal.domain.agreements import AgreementState
from portal.domain.documents import format_cpf
from portal.extensions import AppContextTask, celery, db
from portal.models import Agreement, Document, DocumentKind, DocumentStatus
from portal.services import documents
from portal.services.documents import render as render_module
from portal.services.documents.records import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_ATTEMPTS,
    document_for_download,
    download_name,
    new_verification_code,
    normalise_code,
    queue_document,
    verify,
)
from portal.services.documents.render import auth_method_words, phone_br
from portal.services.documents.tasks import render_document as render_task
from tests.agreement_factories import complete_agreement, create_agreement, pay_installment
from tests.factories import contact_of, create_debtor


class CountingRenderer:
    """Counts calls; answers with ``inner`` (the fake PDF by default) or raises ``error``."""

    def __init__(self, inner: object | None = None, error: Exception | None = None) -> None:
        self.inner = inner
        self.error = error
        self.calls = 0
        self.html: list[str] = []

    def render(self, html: str) -> bytes:
        self.calls += 1
        self.html.append(html)
        if self.error is not None:
            raise self.error
        if self.inner is not None:
            pdf: bytes = self.inner.render(html)  # type: ignore[attr-defined]
            return pdf
        return MINIMAL_PDF


@pytest.fixture
def use_renderer(app: Flask) -> Iterator[Callable[[object], object]]:
    """Swap the app's renderer for one test; eager tasks bound to the session app."""
    saved = app.extensions["pdf_renderer"]
    previous_task_app = AppContextTask.flask_app
    AppContextTask.flask_app = app

    def use(renderer: object) -> object:
        app.extensions["pdf_renderer"] = renderer
        return renderer

    try:
        yield use
    finally:
        app.extensions["pdf_renderer"] = saved
        AppContextTask.flask_app = previous_task_app


@pytest.fixture
def counting(use_renderer: Callable[[object], object]) -> CountingRenderer:
    renderer = CountingRenderer()
    use_renderer(renderer)
    return renderer


@pytest.fixture
def weasyprint(use_renderer: Callable[[object], object], app: Flask) -> CountingRenderer:
    renderer = CountingRenderer(inner=WeasyPrintRenderer(app.static_folder))  # type: ignore[arg-type]
    use_renderer(renderer)
    return renderer


@pytest.fixture
def retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eager tasks retry in place, as in the embedded default (tests otherwise propagate)."""
    monkeypatch.setitem(celery.conf, "task_eager_propagates", False)


def _stored(document_id: int) -> Document:
    db.session.expire_all()
    document = db.session.scalar(
        sa.select(Document)
        .where(Document.id == document_id)
        .options(sa.orm.undefer(Document.content))
    )
    assert document is not None
    return document


def _pdf_text(content: bytes | None) -> str:
    assert content is not None and content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- queueing: once, after the commit ----------------------------------------------------------


def test_queueing_twice_makes_one_document_rendered_once_after_commit(
    counting: CountingRenderer,
) -> None:
    agreement = create_agreement()
    first = queue_document(db.session, agreement, DocumentKind.TERMS)
    again = queue_document(db.session, agreement, "terms")
    assert again.id == first.id
    assert first.status == DocumentStatus.PENDING
    assert counting.calls == 0, "nothing renders before the commit"

    db.session.commit()
    assert counting.calls == 1
    assert queue_document(db.session, agreement, DocumentKind.TERMS).id == first.id
    db.session.commit()
    assert counting.calls == 1, "an existing document is not queued again"
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Document).where(Document.doc_key == first.doc_key)
    )
    assert count == 1
    stored = _stored(first.id)
    assert stored.status == DocumentStatus.READY
    assert stored.content == MINIMAL_PDF
    assert stored.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert stored.size_bytes == len(MINIMAL_PDF)
    assert stored.rendered_at is not None
    assert stored.attempts == 0


def test_a_rollback_renders_nothing(counting: CountingRenderer) -> None:
    agreement = create_agreement()
    db.session.commit()
    queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.rollback()
    db.session.commit()
    assert counting.calls == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_the_terms_carry_the_agreements_code_and_receipts_their_own(
    counting: CountingRenderer,
) -> None:
    agreement = create_agreement()
    first, second = agreement.installments[:2]
    terms = queue_document(db.session, agreement, DocumentKind.TERMS)
    receipts = [
        queue_document(db.session, agreement, DocumentKind.RECEIPT, pay_installment(i))
        for i in (first, second)
    ]
    db.session.commit()

    assert terms.verification_code == agreement.verification_code  # as in the e-mail
    assert [r.doc_key for r in receipts] == [
        f"{agreement.id}:receipt:{first.id}",
        f"{agreement.id}:receipt:{second.id}",
    ]
    codes = {r.verification_code for r in receipts}
    assert len(codes) == 2
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert counting.calls == 3


def test_what_is_asked_must_make_sense(counting: CountingRenderer) -> None:
    agreement = create_agreement()
    other = create_agreement()
    installment = agreement.installments[0]
    with pytest.raises(ValueError, match="installment"):
        queue_document(db.session, agreement, DocumentKind.RECEIPT)
    with pytest.raises(ValueError, match="installment"):
        queue_document(db.session, agreement, DocumentKind.RECEIPT, other.installments[0])
    with pytest.raises(ValueError, match="installment"):
        queue_document(db.session, agreement, DocumentKind.TERMS, installment)
    with pytest.raises(ValueError, match="completed"):
        queue_document(db.session, agreement, DocumentKind.DISCHARGE)
    with pytest.raises(ValueError):
        queue_document(db.session, agreement, "contract")


# --- the real thing: WeasyPrint and pypdf --------------------------------------------------------


def test_the_terms_pdf_holds_the_digest_the_cnpj_and_only_a_masked_cpf(
    weasyprint: CountingRenderer,
) -> None:
    agreement = create_agreement()
    document = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()

    stored = _stored(document.id)
    assert stored.status == DocumentStatus.READY
    assert stored.sha256 == hashlib.sha256(stored.content or b"").hexdigest()
    text = _pdf_text(stored.content)
    debtor = agreement.debtor
    assert agreement.evidence.offer_digest in text
    assert agreement.creditor.cnpj_formatted in text
    assert "***." + debtor.document[3:6] + "." + debtor.document[6:9] + "-**" in text
    assert debtor.document not in text
    assert format_cpf(debtor.document) not in text
    assert f"Termo de acordo nº {agreement.id}" in text
    assert "Cronograma de pagamentos" in text
    assert "CET" in text
    assert "art. 52, § 2º" in text
    assert "203.0.113.7" in text
    assert "confirmação de dados pessoais" in text
    assert "(41) 3000-0000" in text
    code = stored.verification_code
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in text
    assert f"https://portal.test.example/verificar/{code}" in text
    assert "página 1 de" in text
    reader = PdfReader(io.BytesIO(stored.content or b""))
    assert reader.metadata is not None
    assert reader.metadata.author == agreement.creditor.legal_name
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    html = weasyprint.html[0]
    assert "<svg" in html, "the QR code is inline"
    assert "http" not in html.replace(f"https://portal.test.example/verificar/{code}", "").replace(
        "http://www.w3.org/2000/svg", ""
    ), "no other URL in the document"


def test_receipt_and_discharge_letter(weasyprint: CountingRenderer) -> None:
    agreement = create_agreement(payment_count=1)
    [only] = agreement.installments
    receipt = queue_document(db.session, agreement, DocumentKind.RECEIPT, pay_installment(only))
    complete_agreement(agreement)
    discharge = queue_document(db.session, agreement, DocumentKind.DISCHARGE)
    db.session.commit()

    receipt_text = _pdf_text(_stored(receipt.id).content)
    assert "Comprovante de pagamento" in receipt_text
    assert f"acordo nº {agreement.id}" in receipt_text
    assert "Parcela única" in receipt_text
    assert "Saldo restante do acordo" in receipt_text
    discharge_text = _pdf_text(_stored(discharge.id).content)
    assert "Termo de quitação" in discharge_text
    for link in agreement.items:
        assert link.pending_item.external_reference in discharge_text
    assert "5 (cinco) dias úteis" in discharge_text
    assert "Súmula 548" in discharge_text
    assert agreement.debtor.document not in receipt_text + discharge_text


def test_the_receipt_names_the_payment_method(counting: CountingRenderer) -> None:
    from portal.models import Payment

    agreement = create_agreement()
    installment = pay_installment(agreement.installments[0])
    db.session.add(
        Payment(
            installment_id=installment.id,
            agreement_id=agreement.id,
            provider="sandbox",
            method="pix",
            attempt=1,
            idempotency_key=f"test-{installment.id}-1",
            status="succeeded",
            amount_cents=installment.amount_cents,
            applied_cents=installment.amount_cents,
            succeeded_at=installment.paid_at,
        )
    )
    queue_document(db.session, agreement, DocumentKind.RECEIPT, installment)
    queue_document(db.session, agreement, DocumentKind.RECEIPT, agreement.installments[1])
    db.session.commit()
    paid, unpaid = counting.html
    assert "Forma de pagamento" in paid and "<td>Pix</td>" in paid
    assert "Entrada" in paid
    assert "Forma de pagamento" not in unpaid
    assert "Parcela 1 de 2" in unpaid


def test_values_from_outside_are_escaped(counting: CountingRenderer) -> None:
    debtor = create_debtor(name='Ana <img src="file:///etc/passwd"> Souza')
    agreement = create_agreement(debtor=debtor)
    queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()
    [html] = counting.html
    assert "<img" not in html
    assert "Ana &lt;img" in html


# --- rendered once; failures counted -----------------------------------------------------------


def test_a_ready_document_is_never_rendered_again(app: Flask, counting: CountingRenderer) -> None:
    agreement = create_agreement()
    document = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()
    before = _stored(document.id)
    content, rendered_at = before.content, before.rendered_at

    render_task.apply(kwargs={"document_id": document.id})
    with app.app_context():
        assert documents.prepare_render(db.session, document.id) is None, "nothing to render"
        db.session.rollback()
    assert counting.calls == 1
    after = _stored(document.id)
    assert (after.content, after.rendered_at) == (content, rendered_at)


def test_content_stored_meanwhile_is_never_overwritten(
    use_renderer: Callable[[object], object],
) -> None:
    """Two workers on one document (a redelivered task): the first stored content stays."""

    class Racing(CountingRenderer):
        def render(self, html: str) -> bytes:
            db.session.execute(  # the other worker finishes first
                sa.update(Document)
                .where(Document.status == DocumentStatus.PENDING.value)
                .values(status=DocumentStatus.READY.value, content=b"%PDF-1.7 first")
            )
            return super().render(html)

    use_renderer(Racing())
    document = queue_document(db.session, create_agreement(), DocumentKind.TERMS)
    db.session.commit()
    stored = _stored(document.id)
    assert (stored.status, stored.content) == (DocumentStatus.READY, b"%PDF-1.7 first")


def test_renderer_failures_retry_then_give_up_without_content(
    use_renderer: Callable[[object], object], retrying: None, caplog: pytest.LogCaptureFixture
) -> None:
    renderer = use_renderer(CountingRenderer(error=RuntimeError("pango exploded")))
    agreement = create_agreement()
    document = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()

    assert renderer.calls == MAX_ATTEMPTS  # type: ignore[attr-defined]
    stored = _stored(document.id)
    assert stored.status == DocumentStatus.FAILED
    assert stored.attempts == MAX_ATTEMPTS
    assert (stored.content, stored.sha256, stored.size_bytes, stored.rendered_at) == (
        None,
        None,
        None,
        None,
    )
    assert "giving up" in caplog.text
    render_task.apply(kwargs={"document_id": document.id})
    assert renderer.calls == MAX_ATTEMPTS, "a failed document is left alone"  # type: ignore[attr-defined]


def test_one_failure_then_success(use_renderer: Callable[[object], object], retrying: None) -> None:
    class Flaky(CountingRenderer):
        def render(self, html: str) -> bytes:
            self.error = RuntimeError("once") if self.calls == 0 else None
            return super().render(html)

    renderer = use_renderer(Flaky())
    document = queue_document(db.session, create_agreement(), DocumentKind.TERMS)
    db.session.commit()
    stored = _stored(document.id)
    assert renderer.calls == 2  # type: ignore[attr-defined]
    assert (stored.status, stored.attempts, stored.content) == (
        DocumentStatus.READY,
        1,
        MINIMAL_PDF,
    )


def test_an_error_before_the_renderer_fails_at_once(
    counting: CountingRenderer, monkeypatch: pytest.MonkeyPatch, retrying: None
) -> None:
    def broken(*_args: object) -> str:
        raise KeyError("a template bug")

    monkeypatch.setattr(render_module, "render_html", broken)
    document = queue_document(db.session, create_agreement(), DocumentKind.TERMS)
    db.session.commit()
    stored = _stored(document.id)
    assert counting.calls == 0
    assert (stored.status, stored.attempts, stored.content) == (DocumentStatus.FAILED, 1, None)


def test_a_missing_document_is_not_retried(
    counting: CountingRenderer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="portal.services.documents")
    render_task.apply(kwargs={"document_id": 987_654}).get()
    assert counting.calls == 0
    assert "document 987654 not found" in caplog.text


def test_the_task_retry_policy() -> None:
    assert render_task.name == "portal.render_document"
    assert render_task.autoretry_for == (documents.RenderFailed, OperationalError)
    assert render_task.max_retries == MAX_ATTEMPTS - 1
    assert render_task.retry_backoff is True
    assert render_task.acks_late is True


# --- reading: downloads and verification ----------------------------------------------------


def test_only_the_debtor_gets_the_document(counting: CountingRenderer) -> None:
    agreement = create_agreement()
    document = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()
    stranger = create_debtor()

    mine = document_for_download(db.session, document.id, agreement.debtor_id)
    assert mine is not None and mine.content == MINIMAL_PDF
    assert document_for_download(db.session, document.id, stranger.id) is None
    assert document_for_download(db.session, 987_654, agreement.debtor_id) is None
    assert download_name(mine) == f"termo-de-acordo-{agreement.id}.pdf"
    receipt = queue_document(
        db.session, agreement, DocumentKind.RECEIPT, pay_installment(agreement.installments[1])
    )
    assert download_name(receipt) == f"comprovante-{agreement.id}-parcela-1.pdf"
    db.session.commit()
    assert counting.calls == 2


def test_verification_shows_no_debtor_data(counting: CountingRenderer) -> None:
    agreement = create_agreement()
    document = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()
    stored = _stored(document.id)

    view = verify(db.session, stored.verification_code.lower())
    assert view is not None
    assert {f.name for f in fields(view)} == {
        "code",
        "creditor_legal_name",
        "creditor_cnpj",
        "kind",
        "issued_at",
        "agreement_state",
        "offer_digest",
        "paid_cents",  # a receipt's amount: what the document says, nothing about the person
    }
    assert view.paid_cents is None  # not a receipt
    assert view.creditor_legal_name == agreement.creditor.legal_name
    assert view.creditor_cnpj == agreement.creditor.cnpj_formatted
    assert view.kind is DocumentKind.TERMS
    assert view.issued_at == stored.rendered_at
    assert view.agreement_state is AgreementState.AWAITING_DOWN_PAYMENT
    assert view.offer_digest == agreement.evidence.offer_digest
    debtor = agreement.debtor
    shown = " ".join(str(getattr(view, f.name)) for f in fields(view))
    for secret in (
        contact_of(debtor).name,
        debtor.document,
        format_cpf(debtor.document),
        contact_of(debtor).email,
    ):
        assert secret and secret not in shown
    assert debtor.document[3:9] not in shown


def test_a_pending_document_verifies_with_the_agreements_date(
    counting: CountingRenderer,
) -> None:
    agreement = create_agreement()
    document = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.flush()  # not committed: the task has not run
    view = verify(db.session, document.verification_code)
    assert view is not None
    assert view.issued_at == agreement.created_at
    assert counting.calls == 0


def test_unknown_or_malformed_codes_verify_nothing() -> None:
    assert verify(db.session, new_verification_code()) is None
    assert verify(db.session, "") is None
    assert verify(db.session, "x" * 200) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ABCDEFGHJK", "ABCDEFGHJK"),
        ("abcd-efgh-jk", "ABCDEFGHJK"),
        (" 950k 4qey qz\n", "950K4QEYQZ"),
        ("ABCD_EFGH.JKMN", "ABCDEFGHJKMN"),
        ("OIL0123456", "0110123456"),  # Crockford: O reads 0, I and L read 1
        ("ABCDEFGHJU", None),  # U is not in the alphabet
        ("ABCDEFGHJ", None),  # too short
        ("A" * 17, None),  # too long
        ("ABCDEFGHJ!", None),
        ("", None),
    ],
)
def test_codes_are_normalised(raw: str, expected: str | None) -> None:
    assert normalise_code(raw) == expected


def test_new_codes_are_random_and_unambiguous() -> None:
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(CODE_ALPHABET)


def test_the_agreement_factory_is_consistent() -> None:
    agreement = create_agreement(payment_count=4)
    db.session.commit()
    loaded = db.session.get(Agreement, agreement.id)
    assert loaded is not None
    assert sum(i.amount_cents for i in loaded.installments) == loaded.total_cents
    assert [i.number for i in loaded.installments] == [0, 1, 2, 3]
    assert loaded.evidence.chosen_payment_count == 4
    assert {link.pending_item.status for link in loaded.items} == {"in_agreement"}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("+5541987654321", "(41) 98765-4321"),
        ("+554130000000", "(41) 3000-0000"),
        ("0800 123 4567", "0800 123 4567"),
        (None, ""),
    ],
)
def test_phones_read_the_brazilian_way(raw: str | None, shown: str) -> None:
    assert phone_br(raw) == shown


def test_the_authentication_reads_as_words(app: Flask) -> None:
    with app.app_context():
        assert auth_method_words("magic_link+kba+otp") == (
            "link de acesso pessoal enviado ao contato cadastrado, confirmação de dados "
            "pessoais e código de uso único enviado ao contato cadastrado"
        )
        assert auth_method_words("access_link+otp+otp") == (
            "link de acesso enviado pela empresa e código de uso único enviado ao contato "
            "cadastrado"
        )
        assert auth_method_words("unknown") == "unknown"
        assert auth_method_words("") == "—"


def test_no_transaction_is_open_during_the_slow_rendering(
    use_renderer: Callable[[object], object],
) -> None:
    """The task's units of work surround the database steps only: on SQLite an open writer
    would make every other request wait for WeasyPrint."""

    open_transactions: list[bool] = []

    class Watching(CountingRenderer):
        def render(self, html: str) -> bytes:
            # The task's own session (its app context's), as the renderer is called.
            open_transactions.append(db.session().in_transaction())
            return super().render(html)

    use_renderer(Watching())
    document = queue_document(db.session, create_agreement(), DocumentKind.TERMS)
    db.session.commit()  # the task renders it after the commit
    assert open_transactions == [False]
    assert _stored(document.id).status == DocumentStatus.READY


def test_a_failure_after_another_worker_stored_the_pdf_is_not_retried(
    app: Flask, counting: CountingRenderer
) -> None:
    document = queue_document(db.session, create_agreement(), DocumentKind.TERMS)
    db.session.commit()  # rendered and stored by its task
    job = documents.RenderJob(document.id, document.kind, "<p>x</p>", now_utc())
    with app.app_context():
        failure = documents.count_failed_render(db.session, job)
        db.session.commit()
    assert failure.final
    stored = _stored(document.id)
    assert (stored.status, stored.attempts) == (DocumentStatus.READY, 0)


def test_stale_pending_documents_are_requeued(app: Flask) -> None:
    agreement = create_agreement()
    now = now_utc()
    old = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.flush()
    db.session.execute(
        sa.update(Document)
        .where(Document.id == old.id)
        .values(status="pending", created_at=now - timedelta(minutes=15))
    )
    db.session.flush()
    with app.app_context():
        before = pending_callbacks(db.session)
        assert documents.requeue_stale(db.session, now) == 1
        assert pending_callbacks(db.session) == before + 1
        assert documents.requeue_stale(db.session, now - timedelta(minutes=30)) == 0
        db.session.rollback()
