"""The debtor's whole journey on a phone, with the one-time code read from a real SMTP server.

Reminder link → identity check → pendências → simulation with a budget → confirmation with
the code that arrived by e-mail → agreement → terms PDF → public verification page. Every
page is checked with axe-core and for sideways scrolling; the console stays clean.

This module runs its own server process, configured to send e-mail by SMTP (no dev outbox)
to an aiosmtpd server in the test process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.services.documents import format_code
from tests.e2e.conftest import (
    accept_agreement,
    check_page,
    database,
    download,
    enter_by_reminder_link,
    make_server_env,
    new_phone_context,
    outbox_texts,
    pdf_text,
    running_server,
    wait_for_document,
    watch_console,
)
from tests.smtp_server import SmtpServer, _Handler, free_port

MARIA_CPF = "037.104.211-95"
MAIL_FROM = "Portal de Acordos <nao-responda@portal.example.com>"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(
        _Handler(server), hostname=server.host, port=server.port, server_hostname="smtp.test"
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def smtp_server_env(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> dict[str, str]:
    return make_server_env(
        tmp_path_factory.mktemp("e2e-smtp"),
        SMTP_HOST=smtp.host,
        SMTP_PORT=str(smtp.port),
        SMTP_SECURITY="none",
        MAIL_FROM=MAIL_FROM,
    )


@pytest.fixture(scope="module")
def smtp_server_url(smtp_server_env: dict[str, str]) -> Iterator[str]:
    with running_server(smtp_server_env) as url:
        yield url


def _plain_texts(smtp: SmtpServer) -> list[str]:
    texts = []
    for message in smtp.messages:
        body = message.get_body(preferencelist=("plain",))
        texts.append(body.get_content() if body is not None else "")
    return texts


def test_from_reminder_link_to_verified_terms(
    browser: Any, page: Any, smtp: SmtpServer, smtp_server_url: str, smtp_server_env: dict[str, str]
) -> None:
    enter_by_reminder_link(page, smtp_server_env, MARIA_CPF, creditor="Horizonte Crédito")
    assert "Olá, Maria" in page.locator("main").inner_text()

    agreement_id = accept_agreement(
        page, creditor="Horizonte Crédito", budget="1.500,00", mail_texts=lambda: _plain_texts(smtp)
    )
    # The code really travelled by SMTP, to Maria, from the configured sender.
    code_mail = next(m for m in smtp.received if "código" in str(m.message["Subject"]).lower())
    assert code_mail.rcpt_tos == ["maria.souza@example.com"]
    assert code_mail.mail_from == "nao-responda@portal.example.com"
    assert outbox_texts(smtp_server_env) == []  # nothing went to the development outbox

    header = page.locator("main").inner_text()
    cnpj = re.search(r"CNPJ (\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2})", header).group(1)
    with database(smtp_server_env).connect() as db:
        digest = db.execute(
            sa.text("SELECT offer_digest FROM agreement_evidence WHERE agreement_id = :a"),
            {"a": agreement_id},
        ).scalar_one()
        code = db.execute(
            sa.text(
                "SELECT verification_code FROM documents WHERE agreement_id = :a AND kind = 'terms'"
            ),
            {"a": agreement_id},
        ).scalar_one()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)

    link = wait_for_document(page, "Termo do acordo (PDF)")
    check_page(page)
    filename, data = download(page, link)
    assert filename == f"termo-de-acordo-{agreement_id}.pdf"
    text = pdf_text(data)
    assert digest in text
    assert cnpj in text
    assert format_code(code) in text
    assert page.console_problems == []

    # Anybody holding the document can check it; the page says nothing about Maria.
    stranger = new_phone_context(browser)
    verify = watch_console(stranger.new_page())
    response = verify.goto(f"{smtp_server_url}/verificar/{format_code(code)}")
    assert response.status == 200
    assert verify.locator("h1").inner_text() == "Documento autêntico"
    assert verify.locator(".digest").inner_text() == digest
    body = verify.locator("body").inner_text()
    assert cnpj in body
    for personal in ("Maria", "Souza", "037.104", "03710421195", "104.211", "maria.souza"):
        assert personal not in verify.content()
    check_page(verify)
    assert verify.console_problems == []
    stranger.close()
