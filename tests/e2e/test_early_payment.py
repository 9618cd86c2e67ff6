"""Paying off early in a browser (issue 13): a debtor accepts a plan and pays the entrada; a
month later (the server restarted with ``CLOCK_OFFSET_DAYS=30`` on the same database)
"Quitar agora" asks less than the sum of the open installments, the sandbox Pix pays it and
the agreement ends in quitação with its letter.

The test runs its own server, not the shared one: the clock is a start-up setting.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import sqlalchemy as sa

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

JOSE_CPF = "074.208.422-13"
CREDITOR = "Horizonte Crédito"  # a 2,49 % a month plan: there is interest to remove


def _cents(text: str) -> int:
    """``R$ 1.234,56`` → 123456."""
    found = re.search(r"R\$\s*([\d.]+),(\d{2})", text)
    assert found, text
    return int(found.group(1).replace(".", "")) * 100 + int(found.group(2))


def _brl_compact(cents: int) -> str:
    """An amount as ``pdf_text`` reads it (white space removed): ``R$1.234,56``."""
    return "R$" + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def _pay_by_sandbox_pix(page: Any) -> None:
    page.wait_for_url(re.compile(r"/pagamentos/\d+/pix$"))
    check_page(page)
    page.get_by_role("button", name="Simular pagamento").click()
    page.locator("#pix-status").get_by_text("Pagamento recebido! Obrigado.").wait_for()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return make_server_env(tmp_path_factory.mktemp("e2e-early"))


def test_settle_now_a_month_later_ends_in_quitacao(browser: Any, env: dict[str, str]) -> None:
    def mail() -> list[str]:
        return outbox_texts(env)

    # --- today: accept a plan (entrada + 2 parcelas) and pay the entrada --------------------
    with running_server(env):
        context = new_phone_context(browser)
        page = watch_console(context.new_page())
        enter_by_reminder_link(page, env, JOSE_CPF, creditor=CREDITOR)
        agreement_id = accept_agreement(page, creditor=CREDITOR, mail_texts=mail)
        agreement_url = page.url
        wait_for_document(page, "Termo do acordo (PDF)")
        page.get_by_role("button", name=re.compile(r"^Pagar R\$ [\d.,]+ com Pix$")).click()
        _pay_by_sandbox_pix(page)
        page.goto(agreement_url)
        wait_for_document(page, "Comprovante da entrada (PDF)")
        # Today settling already saves something, but the offer is there from day one.
        assert page.get_by_role("link", name="Quitar agora").is_visible()
        assert page.console_problems == []
        context.close()

    # --- a month later: the same database, the server's clock 30 days ahead -----------------
    later = {**env, "CLOCK_OFFSET_DAYS": "30"}
    with running_server(later):
        context = new_phone_context(browser)
        page = watch_console(context.new_page())
        enter_by_reminder_link(page, later, JOSE_CPF, creditor=CREDITOR)
        page.goto(agreement_url)
        check_page(page)
        open_rows = page.locator(".installment:not(.installment--paid)")
        open_rows = [open_rows.nth(k) for k in range(open_rows.count())]
        open_sum = sum(_cents(row.locator(".num").inner_text()) for row in open_rows)
        assert len(open_rows) == 2 and open_sum > 0

        page.get_by_role("link", name="Quitar agora").click()
        page.wait_for_url(f"**/acordos/{agreement_id}/quitar")
        assert page.locator("h1").inner_text() == "Quitar agora"
        check_page(page)
        amount = _cents(page.locator("#settle-amount").inner_text())
        savings = _cents(page.locator("#settle-savings").inner_text())
        face = page.locator(".lines div", has_text="Soma das parcelas em aberto")
        assert _cents(face.inner_text()) == open_sum
        assert 0 < amount < open_sum and savings == open_sum - amount
        main = page.locator("main").inner_text()
        assert "As 2 parcelas que serão quitadas" in main
        assert re.search(r"Valor válido para pagamento hoje, \d{2}/\d{2}/\d{4}\.", main)

        page.get_by_role("button", name=re.compile(r"^Pagar R\$ [\d.,]+ com Pix$")).click()
        page.wait_for_url(re.compile(r"/pagamentos/\d+/pix$"))
        assert amount == _cents(page.locator(".pix-amount").inner_text())
        assert "quitação antecipada (2 parcelas" in page.locator("main").inner_text()
        _pay_by_sandbox_pix(page)
        check_page(page)

        # --- quitação: the agreement is settled and its letter can be downloaded ------------
        page.get_by_role("link", name="Voltar ao acordo").click()
        page.wait_for_url(agreement_url)
        assert page.locator(".state").inner_text() == "quitado"
        statuses = page.locator(".installment__status").all_inner_texts()
        assert statuses == ["paga", "paga", "paga"]
        assert page.get_by_role("link", name="Quitar agora").count() == 0
        letter = wait_for_document(page, "Termo de quitação (PDF)")
        check_page(page)
        filename, data = download(page, letter)
        assert filename == f"termo-de-quitacao-{agreement_id}.pdf"
        text = pdf_text(data)
        assert "Termodequitação" in text and f"acordonº{agreement_id}" in text
        receipt = wait_for_document(page, "Comprovante da quitação antecipada (PDF)")
        _name, receipt_pdf = download(page, receipt)
        receipt_text = pdf_text(receipt_pdf)
        assert "pagamentoantecipado" in receipt_text
        assert _brl_compact(savings) in receipt_text  # the interest removed
        assert page.console_problems == []
        context.close()

    with database(later).connect() as db:
        installments = db.execute(
            sa.text(
                "SELECT number, status, paid_cents, discount_cents FROM installments"
                " WHERE agreement_id = :a ORDER BY number"
            ),
            {"a": agreement_id},
        ).all()
        events = db.execute(
            sa.text(
                "SELECT data FROM outbox_events WHERE type = 'payment.succeeded' ORDER BY sequence"
            )
        ).all()
    assert [row.status for row in installments] == ["paid"] * 3
    assert sum(row.discount_cents for row in installments) == savings
    assert sum(row.paid_cents for row in installments[1:]) == amount
    last = events[-1].data
    last = json.loads(last) if isinstance(last, str) else last
    assert last["payment"]["kind"] == "settlement"
    assert last["payment"]["installment_numbers"] == [1, 2]
    assert last["payment"]["discount_cents"] == savings
