"""The landing page on a 360 px phone: accessible, strict CSP, language switch."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import assert_accessible, assert_fits_the_phone


def test_landing_page_on_a_phone(page: Any, server_url: str) -> None:
    response = page.goto(server_url + "/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "pt-BR"
    assert "pendências" in page.locator("h1").inner_text()
    assert "CNPJ 11.222.333/0001-81" in page.locator("footer").inner_text()
    assert_fits_the_phone(page)
    assert_accessible(page)
    assert page.console_problems == []


def test_language_switch_without_javascript(browser: Any, server_url: str) -> None:
    context = browser.new_context(
        java_script_enabled=False, locale="pt-BR", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto(server_url + "/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Português").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "pt-BR"
    context.close()


def test_error_page_is_accessible(page: Any, server_url: str) -> None:
    response = page.goto(server_url + "/nao-existe")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Página não encontrada"
    assert_accessible(page)
