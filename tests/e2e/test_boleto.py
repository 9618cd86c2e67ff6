"""Paying an installment by boleto on a phone, in sandbox mode: the rules and the payer's
address, the linha digitável (FEBRABAN-valid) with its copy field, the sandbox's voucher page
and its "Simular pagamento" (the bank clearing it), the status and the receipt. axe-clean on
every new page state. Its own server (like the early-payment test): José's agreement here does
not meet the shared server's."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.domain.boleto import parse_line
from tests.e2e.conftest import (
    accept_agreement,
    check_page,
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

JOSE_CPF = "074.208.422-13"
CREDITOR = "Horizonte Crédito"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return make_server_env(tmp_path_factory.mktemp("e2e-boleto"))


def test_pay_the_down_payment_by_boleto_and_see_the_receipt(
    browser: Any, env: dict[str, str]
) -> None:
    with running_server(env):
        context = new_phone_context(browser)
        page = watch_console(context.new_page())
        enter_by_reminder_link(page, env, JOSE_CPF, creditor=CREDITOR)
        agreement_id = accept_agreement(
            page, creditor=CREDITOR, mail_texts=lambda: outbox_texts(env)
        )
        agreement_url = page.url
        wait_for_document(page, "Termo do acordo (PDF)")

        # --- the rules, before choosing -------------------------------------------------
        page.get_by_role("link", name="Pagar com boleto").click()
        page.wait_for_url(re.compile(r"/pagamentos/0/pagar-com-boleto$"))
        rules = page.locator("main").inner_text()
        assert "1 a 3 dias úteis" in rules and "lotérica" in rules
        check_page(page)
        page.get_by_role("button", name="Gerar o boleto").click()  # nothing filled in
        page.locator(".error-summary").wait_for()
        check_page(page)
        page.get_by_label("CEP").fill("01310-100")
        page.get_by_label("Endereço (rua, número e complemento)").fill("Av. Paulista, 1000")
        page.get_by_label("Cidade").fill("São Paulo")
        page.get_by_label("Estado (UF)").select_option("SP")
        page.get_by_role("button", name="Gerar o boleto").click()

        # --- the boleto: linha digitável, voucher, status -------------------------------
        page.wait_for_url(re.compile(r"/pagamentos/\d+/boleto$"))
        boleto_url = page.url
        line = page.get_by_label("Linha digitável (copie e cole no app do seu banco)")
        boleto = parse_line(line.input_value())  # every check digit right
        amount = page.locator(".pix-amount strong").inner_text()
        assert "Aguardando o pagamento" in page.locator("#boleto-status").inner_text()
        assert page.get_by_role("button", name="Copiar linha digitável").is_visible()
        check_page(page)

        # --- the sandbox's voucher: the bank clears the payment --------------------------
        page.get_by_role("link", name="Ver o boleto").click()
        page.wait_for_url("**/sandbox/boleto/*")
        assert boleto.formatted_line in page.locator("main").inner_text()
        check_page(page)
        page.get_by_role("button", name="Simular pagamento").click()
        page.wait_for_url(boleto_url)
        page.locator("#boleto-status").get_by_text("Pagamento recebido! Obrigado.").wait_for()
        check_page(page)

        # --- the receipt ----------------------------------------------------------------
        page.goto(agreement_url)
        link = wait_for_document(page, "Comprovante da entrada (PDF)")
        check_page(page)
        filename, data = download(page, link)
        assert filename == f"comprovante-{agreement_id}-entrada.pdf"
        text = pdf_text(data)
        assert re.sub(r"\s", "", amount) in text
        assert "Boleto" in text
        page.goto(boleto_url)
        page.get_by_role("link", name="Baixar o comprovante (PDF)").wait_for()
        check_page(page)
        assert page.console_problems == []
        context.close()
