"""Paying an agreement on a phone, in sandbox mode: the down payment by Pix, the next
installment by card (the sandbox's stand-in for the provider's hosted page), the receipt.

The agreement is made through the UI by José (another demo debtor than the one the access
tests use), on the shared e2e server, reading the one-time code from its dev outbox.
"""

from __future__ import annotations

import io
import re
from typing import Any

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from tests.e2e.conftest import (
    accept_agreement,
    check_page,
    database,
    download,
    enter_by_reminder_link,
    outbox_texts,
    pdf_text,
    wait_for_document,
    watch_console,
)

JOSE_CPF = "074.208.422-13"
CREDITOR = "Horizonte Crédito"


def _brl(cents: int) -> str:
    return "R$\xa0" + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def _row(server_env: dict[str, str], sql: str, **params: Any) -> Any:
    with database(server_env).connect() as db:
        return db.execute(sa.text(sql), params).one()


def test_pay_the_down_payment_by_pix_and_the_next_installment_by_card(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    enter_by_reminder_link(page, server_env, JOSE_CPF, creditor=CREDITOR)
    # Three payments, so paying the second one does not also finish the agreement.
    agreement_id = accept_agreement(
        page,
        creditor=CREDITOR,
        plan="Escolher entrada + 2 parcelas",
        mail_texts=lambda: outbox_texts(server_env),
    )
    agreement_url = page.url
    cnpj = re.search(r"CNPJ (\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2})", page.locator("main").inner_text())
    assert cnpj is not None
    # One document at a time: in the embedded default (SQLite) a render that overlaps another
    # write is lost (database is locked) and the document stays "em preparação".
    wait_for_document(page, "Termo do acordo (PDF)")

    # --- the down payment, by Pix -------------------------------------------------------
    page.get_by_role("button", name=re.compile(r"^Pagar R\$ [\d.,]+ com Pix$")).click()
    page.wait_for_url(re.compile(r"/pagamentos/\d+/pix$"))
    pix_url = page.url
    payment_id = int(pix_url.rsplit("/", 2)[1])
    payload, amount_cents, number = _row(
        server_env,
        "SELECT p.pix_payload, p.amount_cents, i.number FROM payments p"
        " JOIN installments i ON i.id = p.installment_id WHERE p.id = :id",
        id=payment_id,
    )
    assert number == 0
    assert _brl(amount_cents) in page.locator(".pix-amount").inner_text()
    assert "Aguardando o pagamento" in page.locator("#pix-status").inner_text()
    check_page(page)

    qr = page.locator(".qr")
    assert qr.is_visible()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert [code.format for code in decoded] == [zxingcpp.BarcodeFormat.QRCode]
    assert decoded[0].text == payload
    assert page.get_by_label("Ou copie o código (Pix copia e cola)").input_value() == payload
    amount_field = f"{amount_cents // 100}.{amount_cents % 100:02d}"  # BR Code tag 54
    assert f"54{len(amount_field):02d}{amount_field}" in payload

    # The bank pays (the sandbox button, in another tab); this tab learns it by itself.
    page.evaluate("window.__noReload = 1")
    bank = watch_console(page.context.new_page())
    bank.goto(pix_url)
    bank.get_by_role("button", name="Simular pagamento").click()
    bank.locator("#pix-status").get_by_text("Pagamento recebido! Obrigado.").wait_for()
    check_page(bank)
    assert bank.console_problems == []
    bank.close()
    status = page.locator("#pix-status")
    status.get_by_text("Pagamento recebido! Obrigado.").wait_for(timeout=15_000)
    assert page.evaluate("window.__noReload") == 1
    assert not qr.is_visible()
    check_page(page)

    # --- the next installment, by card ----------------------------------------------------
    page.goto(agreement_url)
    wait_for_document(page, "Comprovante da entrada (PDF)")
    check_page(page)
    page.get_by_role("button", name="Pagar com cartão").click()
    page.wait_for_url("**/sandbox/checkout/*")
    check_page(page)
    card_amount = page.locator(".pix-amount strong").inner_text()
    assert cnpj.group(1) in page.locator("main").inner_text()
    page.get_by_role("button", name="Pagar com o cartão de teste").click()
    page.wait_for_url(re.compile(r"/cartao/\d+/retorno$"))
    assert page.locator("h1").inner_text() == "Pagamento confirmado"
    assert card_amount in page.locator("main").inner_text()
    check_page(page)
    card_status, card_cents = _row(
        server_env,
        "SELECT p.status, p.amount_cents FROM payments p"
        " JOIN installments i ON i.id = p.installment_id"
        " WHERE p.agreement_id = :a AND p.method = 'card' AND i.number = 1",
        a=agreement_id,
    )
    assert (card_status, _brl(card_cents)) == ("succeeded", card_amount)

    # --- the receipt of that installment ----------------------------------------------------
    page.get_by_role("link", name="Voltar ao acordo").click()
    page.wait_for_url(agreement_url)
    link = wait_for_document(page, "Comprovante da parcela 1 (PDF)")
    check_page(page)
    filename, data = download(page, link)
    assert filename == f"comprovante-{agreement_id}-parcela-1.pdf"
    text = pdf_text(data)
    assert re.sub(r"\s", "", card_amount) in text
    assert cnpj.group(1) in text
    assert page.console_problems == []
