"""A dispute in a browser (issue 16): the debtor does not recognise a pendência and sends a
PDF; staff of the company see the case, download the attachment and answer; the debtor sees
the answer on the portal (and gets it by e-mail). Every page at 360 px, checked with axe.

The test runs its own server: the disputed item leaves negotiation, which other journeys
on the shared server would notice.
"""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest

from tests.e2e.conftest import (
    check_page,
    download,
    enter_by_reminder_link,
    flask_cli,
    make_server_env,
    new_phone_context,
    outbox_texts,
    running_server,
    watch_console,
)

JOSE_CPF = "074.208.422-13"
CREDITOR = "Horizonte Crédito"
STAFF_EMAIL = "contestacoes.e2e@example.com"
STAFF_PASSWORD = "uma-senha-longa-de-teste-2026"
ANSWER = "Conferimos o contrato assinado em 2025: a cobrança está correta."
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return make_server_env(tmp_path_factory.mktemp("e2e-disputes"))


def _staff_secret(env: dict[str, str]) -> str:
    output = flask_cli(
        env,
        "create-staff",
        "--name",
        "Ana Atendimento",
        "--email",
        STAFF_EMAIL,
        "--role",
        "agent",
        "--all-creditors",
        "--password",
        STAFF_PASSWORD,
    )
    found = re.search(r"Or type the secret: ([A-Z2-7]+)", output)
    assert found, output
    return found.group(1)


def test_debtor_disputes_staff_answer_debtor_sees_it(browser: Any, env: dict[str, str]) -> None:
    with running_server(env) as url:
        secret = _staff_secret(env)
        debtor_context = new_phone_context(browser)
        debtor = watch_console(debtor_context.new_page())
        enter_by_reminder_link(debtor, env, JOSE_CPF, creditor=CREDITOR)

        # --- the debtor: "Não reconheço esta pendência", with a PDF ---------------------------
        group = debtor.locator(".creditor-group", has_text=CREDITOR)
        first = group.locator(".item").first
        description = first.locator(".item__title").inner_text()
        first.get_by_role("link", name=re.compile("^Não reconheço esta pendência")).click()
        debtor.wait_for_url(re.compile(r"/pendencias/\d+/nao-reconheco$"))
        check_page(debtor)
        debtor.get_by_label("Já paguei").check()
        debtor.get_by_label("Conte o que aconteceu (opcional)").fill("Paguei no caixa em março.")
        debtor.get_by_label("Documento que ajude a empresa a entender (opcional)").set_input_files(
            {"name": "recibo.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        debtor.get_by_role("button", name="Enviar contestação").click()
        debtor.wait_for_url(re.compile(r"/contestacoes/\d+$"))
        status_url = debtor.url
        main = debtor.locator("main").inner_text()
        assert "Recebemos sua contestação" in main and "Em análise pela empresa" in main
        check_page(debtor)
        debtor.get_by_role("link", name="Voltar às pendências").click()
        disputes = debtor.locator("section", has_text="Suas contestações")
        assert description in disputes.inner_text()
        assert first.locator(".item__title").inner_text() != description  # out of negotiation
        check_page(debtor)

        # --- staff: the case, its attachment, the answer --------------------------------------
        staff_context = new_phone_context(browser)
        staff = watch_console(staff_context.new_page())
        staff.goto(url + "/atendimento/entrar")
        staff.get_by_label("E-mail").fill(STAFF_EMAIL)
        staff.get_by_label("Senha").fill(STAFF_PASSWORD)
        staff.get_by_label("Código do aplicativo autenticador").fill(pyotp.TOTP(secret).now())
        staff.get_by_role("button", name="Entrar").click()
        staff.get_by_role("link", name="Contestações", exact=True).click()
        check_page(staff)
        staff.locator("table a", has_text=description).click()
        assert "Paguei no caixa em março." in staff.locator("main").inner_text()
        check_page(staff)
        name, data = download(staff, staff.get_by_role("link", name="Baixar anexo"))
        assert name.endswith(".pdf") and data == PDF
        staff.get_by_label("Improcedente: a pendência volta à negociação").check()
        staff.get_by_label("Resposta ao devedor").fill(ANSWER)
        staff.get_by_role("button", name="Enviar resposta").click()
        assert "Contestação respondida" in staff.locator("main").inner_text()
        check_page(staff)

        # --- the debtor sees the answer, and the item is negotiable again ---------------------
        debtor.goto(status_url)
        main = debtor.locator("main").inner_text()
        assert "Respondida: a empresa manteve a pendência" in main and ANSWER in main
        check_page(debtor)
        debtor.get_by_role("link", name="Ver minhas pendências").click()
        assert description in debtor.locator(".creditor-group", has_text=CREDITOR).inner_text()
        check_page(debtor)
        assert any(ANSWER in text for text in outbox_texts(env))
        assert debtor.console_problems == [] and staff.console_problems == []
        debtor_context.close()
        staff_context.close()
