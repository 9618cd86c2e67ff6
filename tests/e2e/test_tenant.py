"""Issue 11 in a real browser at 360 px: a link opens one company; "Tem pendências com outra
empresa?" adds another with a code; "Meus dados" and cancelling an agreement ask for a fresh
code. Every page passes axe (WCAG 2.1 A/AA) and fits the phone; the same flows work with
JavaScript turned off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tests.e2e.conftest import (
    PHONE,
    accept_agreement,
    check_page,
    creditor_cnpj,
    database,
    enter_by_reminder_link,
    flask_cli,
    outbox_texts,
    wait_for_code,
)


def _person(server_env: dict[str, str], debtor_id: int) -> tuple[str, list[str]]:
    """A demo debtor's CPF and the trade names of the companies they owe, by name."""
    with database(server_env).connect() as db:
        cpf = db.execute(
            sa.text("SELECT document FROM debtors WHERE id = :d"), {"d": debtor_id}
        ).scalar_one()
        names = db.execute(
            sa.text(
                "SELECT DISTINCT c.trade_name FROM creditors c JOIN pending_items p"
                " ON p.creditor_id = c.id WHERE p.debtor_id = :d ORDER BY c.trade_name"
            ),
            {"d": debtor_id},
        ).scalars()
        return str(cpf), list(names)


def _main(page: Any) -> str:
    return str(page.locator("main").inner_text())


def _add_company(
    page: Any, server_env: dict[str, str], company: str, check: Callable[[Any], None]
) -> None:
    page.get_by_role("link", name="Tem pendências com outra empresa?").click()
    page.wait_for_url("**/empresas/adicionar")
    check(page)
    assert company not in _main(page)  # the page names no company
    before = len(outbox_texts(server_env))
    page.get_by_label("CNPJ da empresa").fill(creditor_cnpj(server_env, company))
    page.get_by_role("button", name="Enviar o código").click()
    page.wait_for_url("**/empresas/adicionar/codigo")
    check(page)
    assert "***@" in _main(page)
    code = wait_for_code(lambda: outbox_texts(server_env), before)
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name="Confirmar").click()
    page.wait_for_url("**/inicio")
    check(page)


def _change_contacts(
    page: Any, server_env: dict[str, str], company: str, check: Callable[[Any], None]
) -> None:
    page.get_by_role("link", name="Meus dados").click()
    page.wait_for_url("**/meus-dados")
    check(page)
    page.get_by_role("link", name=f"Alterar contatos com {company}").click()
    check(page)
    before = len(outbox_texts(server_env))
    page.get_by_role("button", name="1. Receber o código").click()
    page.get_by_label("Código de 6 dígitos").wait_for()
    check(page)
    code = wait_for_code(lambda: outbox_texts(server_env), before)
    page.get_by_label("Celular com DDD").fill("(41) 97777-1234")
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name="2. Salvar").click()
    page.wait_for_url("**/meus-dados")
    check(page)
    assert "(41) *****-1234" in _main(page)


def _journey(
    page: Any, server_env: dict[str, str], debtor_id: int, *, javascript: bool = True
) -> None:
    cpf, (first, second) = _person(server_env, debtor_id)
    check: Callable[[Any], None] = check_page if javascript else (lambda _page: None)
    if javascript:
        enter_by_reminder_link(page, server_env, cpf, creditor=first)
    else:
        _enter_without_js(page, server_env, cpf, first)
    assert first in _main(page) and second not in _main(page)
    _add_company(page, server_env, second, check)
    assert first in _main(page) and second in _main(page)
    _change_contacts(page, server_env, first, check)


def _enter_without_js(page: Any, server_env: dict[str, str], cpf: str, company: str) -> None:
    cnpj = creditor_cnpj(server_env, company)
    url = flask_cli(server_env, "issue-link", cpf, "--creditor", cnpj).strip()
    page.goto(url)
    page.get_by_label("Os 3 primeiros dígitos do seu CPF ou CNPJ").fill(cpf[:3])
    page.get_by_role("button", name="Confirmar e entrar").click()
    page.wait_for_url("**/inicio")


def test_one_company_then_another_then_my_details_on_a_phone(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    _journey(page, server_env, 10)
    assert page.console_problems == []


def test_the_same_without_javascript(
    browser: Any, server_url: str, server_env: dict[str, str]
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="pt-BR", viewport=PHONE)
    page = context.new_page()
    _journey(page, server_env, 11, javascript=False)
    context.close()


def test_cancelling_an_agreement_asks_for_a_fresh_code(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    cpf, (company, _other) = _person(server_env, 12)
    enter_by_reminder_link(page, server_env, cpf, creditor=company)
    agreement_id = accept_agreement(
        page,
        creditor=company,
        plan="Escolher entrada + 2 parcelas",
        mail_texts=lambda: outbox_texts(server_env),
    )
    page.get_by_role("link", name="Cancelar o acordo", exact=True).click()
    page.wait_for_url(f"**/acordos/{agreement_id}/cancelar")
    check_page(page)
    before = len(outbox_texts(server_env))
    page.get_by_role("button", name="1. Receber o código").click()
    page.get_by_label("Código de 6 dígitos").wait_for()
    check_page(page)
    code = wait_for_code(lambda: outbox_texts(server_env), before)
    mail = outbox_texts(server_env)
    assert any(f"cancelar o acordo nº {agreement_id}" in text for text in mail[before:])
    page.get_by_label("Entendo que as pendências voltam a ficar em aberto.").check()
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name="2. Cancelar o acordo").click()
    page.wait_for_url("**/inicio")
    assert "Acordo cancelado" in _main(page)
    check_page(page)
    assert page.console_problems == []
