"""Removal from the credit bureaus in a browser (issue 16): two people whose debt the company
reported to a bureau (CSV column ``negativado``) pay it off à vista by Pix; the tracker waits;
the company confirms one removal in the back-office and that person's tracker is done. Twenty
days later (the server restarted with ``CLOCK_OFFSET_DAYS=20`` on the same database) the other
removal is overdue: the person sees what to do and the company's channels, and the company
sees it in its list of overdue removals. Every page at 360 px, checked with axe.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.e2e.conftest import (
    accept_agreement,
    check_page,
    creditor_cnpj,
    enter_by_reminder_link,
    flask_cli,
    make_server_env,
    new_phone_context,
    outbox_texts,
    running_server,
    watch_console,
)
from tests.factories import next_cpf

CREDITOR = "Horizonte Crédito"
PASSWORD = "uma-senha-longa-de-teste-2026"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return make_server_env(tmp_path_factory.mktemp("e2e-bureau"))


def _import_reported_debts(env: dict[str, str], people: list[tuple[str, str]]) -> None:
    due = (date.today() - timedelta(days=60)).strftime("%d/%m/%Y")
    lines = ["documento;nome;email;referencia;descricao;valor;vencimento;negativado"]
    lines += [
        f"{cpf};Pessoa {ref};{ref.lower()}@example.com;{ref};Fatura negativada;150,00;{due};sim"
        for cpf, ref in people
    ]
    path = Path(env["DEV_OUTBOX_DIR"]).parent / "negativados.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    flask_cli(env, "import-items", str(path), "--creditor", creditor_cnpj(env, CREDITOR))


def _staff(env: dict[str, str], email: str) -> str:
    output = flask_cli(
        env,
        "create-staff",
        "--name",
        "Rita Retiradas",
        "--email",
        email,
        "--role",
        "agent",
        "--all-creditors",
        "--password",
        PASSWORD,
    )
    found = re.search(r"Or type the secret: ([A-Z2-7]+)", output)
    assert found, output
    return found.group(1)


def _staff_sign_in(page: Any, env: dict[str, str], email: str, secret: str) -> None:
    """The code of the server's clock (shifted by ``CLOCK_OFFSET_DAYS``)."""
    shifted = time.time() + int(env.get("CLOCK_OFFSET_DAYS", "0")) * 86_400
    page.goto(env["BASE_URL"] + "/atendimento/entrar")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_label("Código do aplicativo autenticador").fill(pyotp.TOTP(secret).at(shifted))
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/atendimento/(?!entrar)"))


def _pay_off(browser: Any, env: dict[str, str], cpf: str) -> str:
    """Enter, accept à vista, pay by the sandbox Pix; returns the agreement's address."""
    context = new_phone_context(browser)
    page = watch_console(context.new_page())
    enter_by_reminder_link(page, env, cpf, creditor=CREDITOR)
    accept_agreement(
        page, creditor=CREDITOR, mail_texts=lambda: outbox_texts(env), plan="Escolher à vista"
    )
    agreement_url = page.url
    page.get_by_role("button", name=re.compile(r"^Pagar R\$ [\d.,]+ com Pix$")).click()
    page.wait_for_url(re.compile(r"/pagamentos/\d+/pix$"))
    page.get_by_role("button", name="Simular pagamento").click()
    page.locator("#pix-status").get_by_text("Pagamento recebido! Obrigado.").wait_for()
    page.goto(agreement_url)
    assert page.locator(".state").inner_text() == "quitado"
    tracker = page.locator(".removal-tracker")
    text = tracker.inner_text()
    assert "Retirada do seu nome dos cadastros" in text
    assert "Aguardando a empresa" in text and "ainda não" in text
    check_page(page)
    assert page.console_problems == []
    context.close()
    return agreement_url


def test_confirmed_removal_and_overdue_removal(browser: Any, env: dict[str, str]) -> None:
    ana, bia = next_cpf(), next_cpf()

    # --- today: both pay; the company confirms Ana's removal in the back-office ------------
    with running_server(env):
        _import_reported_debts(env, [(ana, "NEG-ANA"), (bia, "NEG-BIA")])
        ana_url = _pay_off(browser, env, ana)
        _pay_off(browser, env, bia)

        secret = _staff(env, "rita@example.com")
        context = new_phone_context(browser)
        staff = watch_console(context.new_page())
        _staff_sign_in(staff, env, "rita@example.com", secret)
        staff.goto(env["BASE_URL"] + "/atendimento/retiradas?situacao=todas")
        check_page(staff)
        row = staff.locator(".removal-row", has_text="NEG-ANA")
        assert "No prazo" in row.inner_text()
        row.get_by_role("button", name="Confirmar retirada de NEG-ANA").click()
        staff.get_by_text("Retirada da pendência NEG-ANA confirmada.").wait_for()
        check_page(staff)
        assert staff.locator(".removal-row", has_text="NEG-ANA").count() == 0
        assert staff.console_problems == []
        context.close()

        context = new_phone_context(browser)
        page = watch_console(context.new_page())
        enter_by_reminder_link(page, env, ana, creditor=CREDITOR)
        page.goto(ana_url)
        done = page.locator(".removal--done")
        assert "Concluído: a empresa confirmou a retirada dentro do prazo." in done.inner_text()
        check_page(page)
        context.close()

    # --- twenty days later: Bia's removal is overdue ---------------------------------------
    later = {**env, "CLOCK_OFFSET_DAYS": "20"}
    with running_server(later):
        context = new_phone_context(browser)
        page = watch_console(context.new_page())
        enter_by_reminder_link(page, later, bia, creditor=CREDITOR)
        tracker = page.locator(".removal-tracker")  # on "Minhas pendências" too
        overdue = tracker.locator(".removal--overdue")
        assert "Prazo vencido há" in overdue.inner_text()
        assert overdue.get_by_role("link", name=re.compile("consumidor.gov.br")).count() == 1
        assert "Procon" in overdue.inner_text()
        assert tracker.locator(".company-contact").count() == 1
        check_page(page)
        assert page.console_problems == []
        context.close()

        secret = _staff(later, "rui@example.com")
        context = new_phone_context(browser)
        staff = watch_console(context.new_page())
        _staff_sign_in(staff, later, "rui@example.com", secret)
        staff.goto(later["BASE_URL"] + "/atendimento/retiradas")
        row = staff.locator(".removal-row", has_text="NEG-BIA")
        assert "Em atraso há" in row.inner_text()
        assert staff.locator(".removal-row", has_text="NEG-ANA").count() == 0
        check_page(staff)
        assert staff.console_problems == []
        context.close()
