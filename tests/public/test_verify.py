"""/verificar/<code>: a document's authenticity, without debtor data, and never a render."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Config, Flask
from flask.testing import FlaskClient

from portal.domain.documents import format_cpf
from portal.extensions import AppContextTask, db
from portal.models import Agreement, Document, DocumentKind, DocumentStatus
from portal.services.documents import new_verification_code, queue_document
from tests.agreement_factories import create_agreement
from tests.factories import contact_of
from tests.html import parse_page


class CountingRenderer:
    def __init__(self) -> None:
        self.calls = 0

    def render(self, html: str) -> bytes:
        from portal.adapters.pdf import MINIMAL_PDF

        self.calls += 1
        return MINIMAL_PDF


class MustNotRender:
    """Fails the test if anything asks it for a PDF."""

    def __init__(self) -> None:
        self.calls = 0

    def render(self, html: str) -> bytes:
        self.calls += 1
        pytest.fail("a page view rendered a PDF")


@pytest.fixture
def renderers(app: Flask) -> Iterator[tuple[CountingRenderer, MustNotRender]]:
    """The fake renders while the test sets up; from ``forbid()`` on, nothing may render."""
    saved = app.extensions["pdf_renderer"]
    previous_task_app = AppContextTask.flask_app
    AppContextTask.flask_app = app
    setup, forbidden = CountingRenderer(), MustNotRender()
    app.extensions["pdf_renderer"] = setup
    try:
        yield setup, forbidden
    finally:
        app.extensions["pdf_renderer"] = saved
        AppContextTask.flask_app = previous_task_app


def _forbid(app: Flask, forbidden: MustNotRender) -> None:
    app.extensions["pdf_renderer"] = forbidden


def _ready_terms(renderers: tuple[CountingRenderer, MustNotRender]) -> tuple[Agreement, Document]:
    agreement = create_agreement()
    document = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()
    db.session.refresh(document)
    assert document.status == DocumentStatus.READY
    assert renderers[0].calls == 1
    return agreement, document


def _text(response: object) -> str:
    return " ".join(parse_page(response).get_text().split())  # type: ignore[arg-type]


def test_a_ready_terms_document_is_confirmed_without_debtor_data(
    app: Flask, client: FlaskClient, renderers: tuple[CountingRenderer, MustNotRender]
) -> None:
    agreement, document = _ready_terms(renderers)
    _forbid(app, renderers[1])

    response = client.get(f"/verificar/{document.verification_code}")

    assert response.status_code == 200
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == "Documento autêntico"
    assert soup.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")
    text = " ".join(soup.get_text().split())
    assert agreement.creditor.legal_name in text
    assert agreement.creditor.cnpj_formatted in text
    assert agreement.evidence.offer_digest in text
    assert "Termo de acordo" in text
    assert "Aguardando o pagamento da entrada" in text
    debtor = agreement.debtor
    page = response.get_data(as_text=True)
    for secret in (
        contact_of(debtor).name,
        debtor.document,
        format_cpf(debtor.document),
        contact_of(debtor).email,
    ):
        assert secret and secret not in page
    assert debtor.document[3:6] + "." + debtor.document[6:9] not in page  # not even masked
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert "no-store" in response.headers["Cache-Control"]
    assert renderers[1].calls == 0


@pytest.mark.parametrize("spelling", ["lower", "hyphens", "spaces"])
def test_codes_are_read_forgivingly(
    client: FlaskClient, renderers: tuple[CountingRenderer, MustNotRender], spelling: str
) -> None:
    _, document = _ready_terms(renderers)
    code = document.verification_code
    typed = {
        "lower": code.lower(),
        "hyphens": f"{code[:4]}-{code[4:8]}-{code[8:]}".lower(),
        "spaces": f"{code[:4]} {code[4:8]} {code[8:]}",
    }[spelling]
    response = client.get(f"/verificar/{typed}")
    assert response.status_code == 200
    assert "Documento autêntico" in _text(response)


def test_an_unknown_code_is_a_404_that_explains_how_to_check(client: FlaskClient) -> None:
    code = new_verification_code()
    response = client.get(f"/verificar/{code.lower()}")
    assert response.status_code == 404
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == "Código não encontrado"
    text = " ".join(soup.get_text().split())
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in text
    assert "QR code" in text
    assert "I, L, O e U" in text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_something_that_is_not_a_code_is_a_404_too(client: FlaskClient) -> None:
    response = client.get("/verificar/%3Cscript%3Ealert(1)")
    assert response.status_code == 404
    assert "<script>alert" not in response.get_data(as_text=True)
    assert "não parece um código" in _text(response)


def test_no_page_view_renders_a_pdf(
    app: Flask, client: FlaskClient, renderers: tuple[CountingRenderer, MustNotRender]
) -> None:
    _, ready = _ready_terms(renderers)
    pending_agreement = create_agreement()
    pending = Document(
        doc_key=Document.key_for(pending_agreement.id, DocumentKind.TERMS),
        agreement_id=pending_agreement.id,
        kind=DocumentKind.TERMS.value,
        verification_code=pending_agreement.verification_code,
        status=DocumentStatus.PENDING.value,
    )
    db.session.add(pending)
    db.session.commit()
    _forbid(app, renderers[1])

    for code in (ready.verification_code, pending.verification_code):
        response = client.get(f"/verificar/{code}")
        assert response.status_code == 200
        assert "Documento autêntico" in _text(response)
    assert client.get(f"/verificar/{new_verification_code()}").status_code == 404
    assert renderers[1].calls == 0
    db.session.expire_all()
    assert db.session.get(Document, pending.id).status == DocumentStatus.PENDING  # type: ignore[union-attr]


@pytest.mark.options(ratelimit_auth_ip="3 per hour")  # pytest-flask: config for this test
def test_verification_is_rate_limited_per_ip(client: FlaskClient, config: Config) -> None:
    assert config["RATELIMIT_AUTH_IP"] == "3 per hour"
    for _ in range(3):
        assert client.get(f"/verificar/{new_verification_code()}").status_code == 404
    response = client.get(f"/verificar/{new_verification_code()}")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.head(f"/verificar/{new_verification_code()}").status_code == 429


@pytest.mark.options(ratelimit_auth_ip="2 per hour")
def test_head_requests_count_too(client: FlaskClient) -> None:
    """A HEAD answers 200 or 404 like a GET: without a limit it would enumerate codes."""
    for _ in range(2):
        assert client.head(f"/verificar/{new_verification_code()}").status_code == 404
    assert client.head(f"/verificar/{new_verification_code()}").status_code == 429


def test_the_page_works_in_english_too(
    client: FlaskClient, renderers: tuple[CountingRenderer, MustNotRender]
) -> None:
    _, document = _ready_terms(renderers)
    response = client.get(
        f"/verificar/{document.verification_code}", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    parse_page(response, lang="en")


def test_a_receipt_shows_the_amount_it_acknowledges(client: FlaskClient) -> None:
    from tests.agreement_factories import pay_installment

    agreement = create_agreement()
    installment = pay_installment(agreement.installments[0])
    receipt = queue_document(db.session, agreement, DocumentKind.RECEIPT, installment)
    db.session.commit()
    text = parse_page(client.get(f"/verificar/{receipt.verification_code}")).get_text(" ")
    amount = f"{installment.paid_cents // 100:,}".replace(",", ".")
    assert "Valor pago" in text and amount in text
    terms = queue_document(db.session, agreement, DocumentKind.TERMS)
    db.session.commit()
    assert (
        "Valor pago"
        not in parse_page(client.get(f"/verificar/{terms.verification_code}")).get_text()
    )
