"""Getting in, in a real browser: a scanner cannot use up a link; reminder links; axe."""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa

from tests.e2e.conftest import (
    PHONE,
    assert_accessible,
    assert_fits_the_phone,
    database,
    flask_cli,
    outbox_texts,
)

MAGIC = re.compile(r"(http://127\.0\.0\.1:\d+/entrar/[A-Za-z0-9_-]{43})")


def _latest_magic_link(server_env: dict[str, str], before: int) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        texts = outbox_texts(server_env)
        if len(texts) > before and MAGIC.search(texts[-1]):
            return MAGIC.search(texts[-1]).group(1)
        time.sleep(0.2)
    raise AssertionError("no magic link arrived in the outbox")


def test_a_scanner_running_javascript_does_not_use_up_the_link(
    browser: Any, page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    before = len(outbox_texts(server_env))
    page.goto(server_url + "/")
    page.get_by_label("E-mail ou CPF").fill("maria.souza@example.com")
    page.get_by_role("button", name="Receber link de acesso").click()
    page.wait_for_url("**/entrar/enviado")
    assert_accessible(page)
    url = _latest_magic_link(server_env, before)

    # The mail scanner: another browser, JavaScript on, opens the link and waits.
    scanner = browser.new_context(viewport=PHONE, locale="pt-BR")
    scanner_page = scanner.new_page()
    scanner_page.goto(url)
    scanner_page.wait_for_timeout(1500)
    assert "Entrar no Portal de Acordos" in scanner_page.locator("h1").inner_text()
    scanner.close()
    with database(server_env).connect() as connection:
        token_hash_used = connection.execute(
            sa.text(
                "SELECT count(*) FROM access_links WHERE purpose = 'magic' AND used_at IS NOT NULL"
            )
        ).scalar()
    assert token_hash_used == 0

    # The person, in the browser that asked for the link, taps the button.
    page.goto(url)
    assert_accessible(page)
    assert_fits_the_phone(page)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/inicio")
    assert page.locator("h1").inner_text() == "Minhas pendências"
    assert "Olá, Maria" in page.locator("main").inner_text()
    assert_accessible(page)
    assert page.console_problems == []


def test_reminder_link_identity_check_on_a_phone(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    url = flask_cli(server_env, "issue-link", "037.104.211-95", "--channel", "sms").strip()
    path = url.split("127.0.0.1:", 1)[1].split("/", 1)[1]
    page.goto(f"{server_url}/{path}")
    assert (
        page.locator('meta[property="og:title"]').get_attribute("content").endswith("Acesso seguro")
    )
    assert "Maria" not in page.content()
    assert_accessible(page)
    assert_fits_the_phone(page)
    page.get_by_label("Os 3 primeiros dígitos do seu CPF ou CNPJ").fill("999")
    page.get_by_role("button", name="Confirmar e entrar").click()
    assert "ainda tem 4 tentativas" in page.content()
    assert_accessible(page)
    page.get_by_label("Os 3 primeiros dígitos do seu CPF ou CNPJ").fill("037")
    page.get_by_role("button", name="Confirmar e entrar").click()
    page.wait_for_url("**/inicio")
    assert_accessible(page)


def test_staff_login_and_outbox_pages_are_accessible(page: Any, server_url: str) -> None:
    for path in ("/atendimento/entrar", "/dev/outbox", "/verificar"):
        page.goto(server_url + path)
        assert_accessible(page)
        assert_fits_the_phone(page)


def test_staff_issue_a_link_on_a_phone(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    code = flask_cli(server_env, "demo-totp").strip()
    page.goto(server_url + "/atendimento/entrar")
    page.get_by_label("E-mail").fill("atendimento@example.com")
    page.get_by_label("Senha").fill("demonstracao-2026")
    page.get_by_label("Código do aplicativo autenticador").fill(code)
    page.get_by_role("button", name="Entrar").click()
    page.get_by_label("CPF, e-mail ou nome").fill("Maria")
    page.get_by_role("button", name="Buscar").click()
    assert_accessible(page)
    page.locator(".result-list a").first.click()
    assert "***." in page.content()
    assert_accessible(page)
    assert_fits_the_phone(page)
    page.get_by_role("button", name="Emitir link").click()
    message = page.locator("textarea").input_value()
    assert "/a/" in message and "R$" not in message
    assert_accessible(page)
    assert_fits_the_phone(page)


def test_the_checker_says_a_look_alike_link_is_not_ours(page: Any, server_url: str) -> None:
    page.goto(server_url + "/verificar")
    page.get_by_label("Código, Pix copia e cola ou mensagem").fill(
        "Sua divida vence hoje! Regularize em bit.ly/3xYzW"
    )
    page.get_by_role("button", name="Conferir").click()
    assert "não é deste portal" in page.locator("main").inner_text()
    assert_accessible(page)
    assert_fits_the_phone(page)
