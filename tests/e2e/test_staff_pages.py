"""The back-office's debtor page, history and policy editor, on a phone, checked with axe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp

from tests.e2e.conftest import assert_accessible, assert_fits_the_phone, flask_cli

ADMIN_EMAIL = "admin.e2e@example.com"
ADMIN_PASSWORD = "uma-senha-longa-de-teste-2026"


def _admin_secret(server_env: dict[str, str], email: str = ADMIN_EMAIL) -> str:
    output = flask_cli(
        server_env,
        "create-staff",
        "--name",
        "Adriana Admin",
        "--email",
        email,
        "--role",
        "admin",
        "--all-creditors",
        "--password",
        ADMIN_PASSWORD,
    )
    found = re.search(r"Or type the secret: ([A-Z2-7]+)", output)
    assert found, output
    return found.group(1)


def _check(page: Any) -> None:
    assert_accessible(page)
    assert_fits_the_phone(page)


def test_debtor_page_history_and_policy_editor_are_accessible(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    secret = _admin_secret(server_env)
    page.goto(server_url + "/atendimento/entrar")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Senha").fill(ADMIN_PASSWORD)
    page.get_by_label("Código do aplicativo autenticador").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Entrar").click()
    page.get_by_label("CPF, e-mail ou nome").fill("Maria")
    page.get_by_role("button", name="Buscar").click()
    page.locator(".result-list a").first.click()
    assert "***." in page.content()
    _check(page)

    # a note, then the page again (with the note and the success message)
    page.get_by_label("Anotação", exact=True).fill("Pediu contato por WhatsApp depois das 18h.")
    page.get_by_role("button", name="Registrar anotação").click()
    assert "Pediu contato por WhatsApp" in page.locator(".note-list").inner_text()
    _check(page)

    # an item marked disputed, then resolved
    page.get_by_role("button", name="Marcar como contestada").first.click()
    assert page.get_by_role("button", name="Resolver contestação").count() == 1
    page.get_by_role("button", name="Resolver contestação").click()

    page.get_by_role("link", name=re.compile("Ver o histórico completo")).click()
    assert "Anotação registrada" in page.locator("main").inner_text()
    _check(page)
    page.get_by_role("link", name="Voltar ao devedor").click()

    page.get_by_role("button", name="Revelar documento completo").click()
    assert re.search(r"\d{3}\.\d{3}\.\d{3}-\d{2}", page.locator("main").inner_text())
    _check(page)

    page.get_by_role("link", name="Políticas").click()
    _check(page)
    page.locator("tbody a").first.click()
    _check(page)
    page.get_by_role("link", name=re.compile("Editar regras")).click()
    _check(page)
    page.get_by_label("Multa por atraso (%)").fill("5")
    page.get_by_role("button", name="Ver a prévia").click()
    assert "A multa vai de 0% a 2%" in page.locator(".error-summary").inner_text()
    _check(page)
    # the browser logs the 400 of that answer; nothing else may show up in the console
    assert [p for p in page.console_problems if "status of 400" not in p] == []
    page.console_problems.clear()
    page.get_by_label("Multa por atraso (%)").fill("2")
    page.get_by_role("button", name="Ver a prévia").click()
    assert page.locator("table.preview-options tbody tr").count() > 1
    _check(page)
    page.get_by_role("button", name=re.compile("Publicar a versão 2")).click()
    assert "Versão 2 publicada" in page.locator("main").inner_text()
    _check(page)
    page.get_by_role("link", name="versão 1").click()
    _check(page)
    assert page.console_problems == []


def _sign_in(page: Any, server_url: str, email: str, secret: str) -> None:
    page.goto(server_url + "/atendimento/entrar")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(ADMIN_PASSWORD)
    page.get_by_label("Código do aplicativo autenticador").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Entrar").click()


def test_integration_import_and_api_docs_pages_are_accessible(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    email = "integracao.e2e@example.com"
    _sign_in(page, server_url, email, _admin_secret(server_env, email))
    page.get_by_role("link", name="Integração", exact=True).click()
    _check(page)
    page.locator("main li a").first.click()
    _check(page)
    page.get_by_label(re.compile("Nome da nova chave")).fill("ERP de teste")
    page.get_by_role("button", name="Criar chave").click()
    secret = page.locator("code.secret").inner_text()
    assert secret.startswith("dpk_")
    _check(page)
    docs = page.request.get(
        server_url + "/api/v1/items", headers={"Authorization": f"Bearer {secret}"}
    )
    assert docs.status == 200

    page.get_by_role("link", name="Importações").click()
    _check(page)
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "csv" / "bad_rows.csv"
    page.get_by_label("Arquivo CSV").set_input_files(str(fixture))
    page.get_by_role("button", name="Importar").click()
    for _ in range(40):  # the import runs in the background: reload until it has finished
        if "Baixar relatório de erros" in page.content():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert "Baixar relatório de erros" in page.content()
    _check(page)

    page.goto(server_url + "/api/v1/docs")
    _check(page)
    assert page.console_problems == []
