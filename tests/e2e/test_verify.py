"""``/verificar`` on a phone, with each kind of input: a reminder's text with our link, a
look-alike link, the Pix "copia e cola" of a real payment and the code printed on a document.
Every answer names the company, never the person, and passes axe at 360 px."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from tests.e2e.conftest import (
    accept_agreement,
    check_page,
    database,
    enter_by_reminder_link,
    flask_cli,
    outbox_texts,
)

SEBASTIAO_CPF = "667.875.798-02"  # a demo debtor no other browser test uses
SEBASTIAO = "Sebastião"


def _check(page: Any, server_url: str, text: str) -> str:
    page.goto(f"{server_url}/verificar")
    page.get_by_label("Código, Pix copia e cola ou mensagem").fill(text)
    page.get_by_role("button", name="Conferir").click()
    page.wait_for_load_state()
    check_page(page)
    main: str = page.locator("main").inner_text()
    assert SEBASTIAO not in main and SEBASTIAO_CPF not in main
    assert SEBASTIAO_CPF.replace(".", "").replace("-", "") not in main
    return main


def test_the_checker_with_each_kind_of_input(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    # 1. an SMS reminder with our link: genuine, for this company, valid until a date
    url = flask_cli(server_env, "issue-link", SEBASTIAO_CPF, "--channel", "sms").strip()
    sms = f"Sebastião, há uma pendência em seu nome. Acesse {url} ou responda SAIR."
    answer = _check(page, server_url, sms)
    assert "emitido por este portal e ainda funciona" in answer
    cnpj = re.search(r"CNPJ\s+(\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2})", answer)
    assert cnpj is not None and "Válido até" in answer

    # 2. a look-alike address: not ours, whatever it says
    answer = _check(
        page, server_url, f"Regularize hoje em https://portal-acordos.example/a/{'x' * 22}"
    )
    assert "não é deste portal" in answer and "portal-acordos.example" in answer

    # 3. the Pix code of a real payment: ours, which company, how much, still payable
    enter_by_reminder_link(page, server_env, SEBASTIAO_CPF)
    creditor = page.locator(".creditor-group h2").first.inner_text()
    agreement_id = accept_agreement(
        page,
        creditor=creditor,
        plan="Escolher à vista",
        mail_texts=lambda: outbox_texts(server_env),
    )
    page.get_by_role("button", name=re.compile(r"^Pagar R\$ [\d.,]+ com Pix$")).click()
    page.wait_for_url(re.compile(r"/pagamentos/\d+/pix$"))
    payload = page.locator("#pix-code").input_value()
    amount = page.locator(".pix-amount strong").inner_text()
    answer = _check(page, server_url, f"Pix copia e cola:\n{payload}")
    assert "ainda pode ser pago" in answer and amount in answer and cnpj.group(1) in answer

    # 4. the code printed on the agreement's terms
    with database(server_env).connect() as db:
        code = db.execute(
            sa.text("SELECT verification_code FROM documents WHERE agreement_id = :id"),
            {"id": agreement_id},
        ).scalar_one()
    answer = _check(page, server_url, code.lower())
    assert re.search(r"/verificar/[A-Z0-9]+$", page.url)
    assert cnpj.group(1) in answer
    assert page.console_problems == []
