"""Paying an installment after its due date through a Pix charge with a due date (issue 19), in
the embedded default where the sandbox plays the bank: a debtor accepts a plan, pays the
entrada and opens the next installment's Pix code; days after that installment's due date (the
server restarted with ``CLOCK_OFFSET_DAYS`` on the same database) its Pix page tells her the
day's amount with multa and juros, the sandbox bank shows and takes that amount, and the
receipt shows the installment and, apart, the multa and juros paid on top.

The test runs its own server, not the shared one: the clock is a start-up setting.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from portal.core.clock import BRASILIA
from portal.domain.calendar import anbima_calendar
from portal.domain.cobv import CobvTerms, cobv_amount
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
CREDITOR = "Horizonte Crédito"
DAYS_LATE = 6
PIX_BUTTON = re.compile(r"^Pagar R\$ [\d.,]+ com Pix$")


def _brl(cents: int) -> str:
    return "R$\xa0" + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def _compact(cents: int) -> str:
    return _brl(cents).replace("\xa0", "")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return make_server_env(tmp_path_factory.mktemp("e2e-cobv"))


def _due_of(env: dict[str, str], agreement_id: int, number: int) -> date:
    with database(env).connect() as db:
        due = db.execute(
            sa.text("SELECT due_date FROM installments WHERE agreement_id = :a AND number = :n"),
            {"a": agreement_id, "n": number},
        ).scalar_one()
    return due if isinstance(due, date) else date.fromisoformat(str(due))


def _charge_terms(env: dict[str, str], payment_id: int) -> CobvTerms:
    """The terms the sandbox keeps for the payment's charge (as the bank would read them)."""
    with database(env).connect() as db:
        amount, details = db.execute(
            sa.text(
                "SELECT c.amount_cents, c.details FROM sandbox_charges c"
                " JOIN payments p ON p.provider_ref = c.ref WHERE p.id = :id AND c.kind = 'cobv'"
            ),
            {"id": payment_id},
        ).one()
    due = (json.loads(details) if isinstance(details, str) else details)["due"]
    return CobvTerms(
        amount,
        date.fromisoformat(due["due_date"]),
        int(due["days_valid_after_due"]),
        Decimal(due["multa_pct"]),
        Decimal(due["juros_monthly_pct"]),
    )


def test_pay_an_installment_late_by_its_cobv_with_the_updated_amount(
    browser: Any, env: dict[str, str]
) -> None:
    def mail() -> list[str]:
        return outbox_texts(env)

    # --- today: accept a plan (entrada + 2 parcelas) and pay the entrada on time -------------
    with running_server(env):
        context = new_phone_context(browser)
        page = watch_console(context.new_page())
        enter_by_reminder_link(page, env, JOSE_CPF, creditor=CREDITOR)
        agreement_id = accept_agreement(page, creditor=CREDITOR, mail_texts=mail)
        agreement_url = page.url
        wait_for_document(page, "Termo do acordo (PDF)")
        page.get_by_role("button", name=PIX_BUTTON).click()
        page.wait_for_url(re.compile(r"/pagamentos/\d+/pix$"))
        assert page.locator(".late-amount").count() == 0  # due today: nothing added
        page.get_by_role("button", name="Simular pagamento").click()
        page.locator("#pix-status").get_by_text("Pagamento recebido! Obrigado.").wait_for()
        page.goto(agreement_url)
        wait_for_document(page, "Comprovante da entrada (PDF)")
        # She opens the next installment's Pix before its due date: a code with a due date
        # (the API refuses one due before the day it is made).
        page.get_by_role("button", name=PIX_BUTTON).click()
        page.wait_for_url(re.compile(r"/pagamentos/\d+/pix$"))
        pix_url = page.url
        assert "Se for pago depois dessa data" in page.locator("main").inner_text()
        check_page(page)
        assert page.console_problems == []
        context.close()

    # --- days after the next installment's due date ----------------------------------------
    due = _due_of(env, agreement_id, 1)
    today = datetime.now(BRASILIA).date()
    later = {**env, "CLOCK_OFFSET_DAYS": str((due - today).days + DAYS_LATE)}
    paying_day = today + timedelta(days=(due - today).days + DAYS_LATE)
    with running_server(later):
        context = new_phone_context(browser)
        page = watch_console(context.new_page())
        enter_by_reminder_link(page, later, JOSE_CPF, creditor=CREDITOR)
        page.goto(agreement_url)
        check_page(page)
        page.get_by_role("button", name=PIX_BUTTON).click()
        page.wait_for_url(pix_url)  # the same code, still open
        payment_id = int(pix_url.rsplit("/", 2)[1])
        terms = _charge_terms(later, payment_id)
        assert terms.due_date == due and terms.multa_pct > 0 and terms.juros_monthly_pct > 0
        expected = cobv_amount(terms, paying_day, anbima_calendar())
        assert expected.late_days > 0 and expected.multa_cents > 0 and expected.juros_cents > 0

        # Before paying, the page says what her bank will show today, itemised.
        late = page.locator(".late-amount")
        text = late.inner_text()
        assert "O app do seu banco vai mostrar o valor atualizado" in text
        for cents in (terms.original_cents, expected.multa_cents, expected.juros_cents):
            assert _brl(cents) in text
        assert _brl(expected.total_cents) in late.locator("strong").inner_text()
        check_page(page)

        # The sandbox bank shows the updated amount and takes it.
        page.get_by_role("link", name=re.compile("^Abrir no banco de demonstração")).click()
        page.wait_for_url("**/sandbox/banco/*")
        check_page(page)
        assert _brl(expected.total_cents) in page.locator(".bank-total").inner_text()
        assert _brl(expected.multa_cents) in page.locator("main").inner_text()
        page.get_by_role("button", name=f"Pagar {_brl(expected.total_cents)}").click()
        page.wait_for_url(pix_url)
        page.locator("#pix-status").get_by_text("Pagamento recebido! Obrigado.").wait_for()
        check_page(page)

        # The receipt: the installment's amount paid, and the multa and juros apart.
        page.get_by_role("link", name="Voltar ao acordo").click()
        page.wait_for_url(agreement_url)
        link = wait_for_document(page, "Comprovante da parcela 1 (PDF)")
        check_page(page)
        _name, data = download(page, link)
        receipt = pdf_text(data)
        assert f"Valordaparcela{_compact(terms.original_cents)}" in receipt
        assert f"Valorpago{_compact(terms.original_cents)}" in receipt
        assert f"Multaejurosdemora{_compact(expected.charges_cents)}" in receipt
        assert f"Totalpago{_compact(expected.total_cents)}" in receipt
        assert page.console_problems == []
        context.close()

    with database(later).connect() as db:
        paid = db.execute(
            sa.text(
                "SELECT i.status, i.paid_cents, p.applied_cents, p.excess_cents, p.flags"
                " FROM payments p JOIN installments i ON i.id = p.installment_id"
                " WHERE p.id = :id"
            ),
            {"id": payment_id},
        ).one()
    flags = json.loads(paid.flags) if isinstance(paid.flags, str) else paid.flags
    assert (paid.status, paid.paid_cents) == ("paid", terms.original_cents)  # paid once
    assert (paid.applied_cents, paid.excess_cents) == (terms.original_cents, 0)
    assert flags["late_charges_cents"] == expected.charges_cents
