"""Pix Automático in the embedded default, the sandbox playing the payer's bank: accept an
agreement, read what automatic debit means, authorise it (the sandbox's button approves as her
bank app would), see its status on the agreement page, run the job and see the next
installment paid with its receipt; then cancel it, with a confirmation."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from portal.domain.pix import parse_brcode
from tests.e2e.conftest import (
    accept_agreement,
    check_page,
    database,
    enter_by_reminder_link,
    flask_cli,
    outbox_texts,
    wait_for_document,
)

CPF = "779.188.431-34"  # a demo debtor no other browser test uses


def test_authorise_pix_automatico_and_see_the_next_installment_paid(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    enter_by_reminder_link(page, server_env, CPF)
    agreement_id = _accept(page, server_env)
    agreement_url = page.url
    wait_for_document(page, "Termo do acordo (PDF)")

    page.get_by_role("link", name="Autorizar débito automático via Pix").click()
    page.wait_for_url(re.compile(r"/debito-automatico$"))
    check_page(page)
    text = page.locator("main").inner_text()
    assert "debitada da sua conta" in text and "cancelar quando quiser" in text
    with database(server_env).connect() as db:
        rows = db.execute(
            sa.text(
                "SELECT number, due_date, amount_cents FROM installments"
                " WHERE agreement_id = :a ORDER BY number"
            ),
            {"a": agreement_id},
        ).all()
    schedule = page.locator("#automatico-schedule li")
    first = next(r for r in rows if _day(r[1]) >= date.today() + timedelta(days=2))
    assert schedule.count() == len([r for r in rows if _day(r[1]) >= _day(first[1])])
    assert _day(first[1]).strftime("%d/%m/%Y") in schedule.first.inner_text()

    page.get_by_role("button", name="Continuar e autorizar no meu banco").click()
    page.wait_for_url(re.compile(r"/debito-automatico$"))
    check_page(page)
    payload = page.get_by_label("Ou copie o código (Pix copia e cola)").input_value()
    assert parse_brcode(payload).is_recurring
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(page.locator(".qr").screenshot())))
    assert [code.text for code in decoded] == [payload]

    page.get_by_role("button", name="Simular aprovação no banco").click()
    page.wait_for_url(agreement_url)
    check_page(page)
    assert "Ativo: autorizado no seu banco" in page.locator("#automatico-status").inner_text()

    # The job, as of five days before that installment: the charge goes to her bank; on its
    # next run the bank has debited it and the installment is paid.
    day = (_day(first[1]) - timedelta(days=5)).isoformat()
    assert "1 cobranças enviadas" in flask_cli(server_env, "jobs", "pix-automatico", "--date", day)
    assert "1 recebidas" in flask_cli(server_env, "jobs", "pix-automatico", "--date", day)
    page.goto(agreement_url)
    number = first[0]
    receipt = (
        "Comprovante da entrada (PDF)" if number == 0 else f"Comprovante da parcela {number} (PDF)"
    )
    wait_for_document(page, receipt)
    statuses = [s.inner_text().strip() for s in page.locator(".installment__status").all()]
    assert statuses[number] == "paga"
    check_page(page)

    # Cancelling asks first.
    page.get_by_role("link", name="Cancelar o débito automático").click()
    assert page.locator("h1").inner_text() == "Cancelar o débito automático?"
    check_page(page)
    page.get_by_role("button", name="Sim, cancelar o débito automático").click()
    page.wait_for_url(agreement_url)
    assert "foi cancelado" in page.locator("#automatico-status").inner_text()
    check_page(page)
    assert page.console_problems == []


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _accept(page: Any, server_env: dict[str, str]) -> int:
    creditor = page.locator(".creditor-group h2").first.inner_text().strip()
    return accept_agreement(page, creditor=creditor, mail_texts=lambda: outbox_texts(server_env))
