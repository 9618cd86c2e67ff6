"""Aprenda on a phone: the articles seed-demo loaded, and the budget planner handing what is
left to the simulation of a signed-in debtor. Every page is checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import check_page, enter_by_reminder_link

FRANCISCO_CPF = "148.416.844-50"  # a demo debtor no other browser test uses


def test_articles_open_without_login(page: Any, server_url: str) -> None:
    page.goto(f"{server_url}/")
    page.locator("footer").get_by_role("link", name=re.compile("^Aprenda")).click()
    page.wait_for_url("**/aprenda")
    check_page(page)
    assert page.locator(".article-group").count() == 5
    page.get_by_role("link", name="Como reconhecer um Pix verdadeiro antes de pagar").click()
    page.wait_for_url("**/aprenda/como-reconhecer-um-pix-verdadeiro")
    check_page(page)
    assert page.locator(".article__body h2").count() >= 2
    page.goto(f"{server_url}/aprenda")
    links = page.locator(".article-card__title a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 8
    for href in hrefs:  # every bundled article passes axe and fits the phone
        page.goto(f"{server_url}{href}")
        check_page(page)
    assert page.console_problems == []


def test_the_planner_hands_what_is_left_to_the_simulation(
    page: Any, server_url: str, server_env: dict[str, str]
) -> None:
    enter_by_reminder_link(page, server_env, FRANCISCO_CPF)
    page.goto(f"{server_url}/aprenda/planejador")
    check_page(page)
    page.get_by_label("Renda principal").fill("2.150,00")
    page.get_by_label("Outras rendas").fill("312,37")
    page.get_by_label("Moradia").fill("800")
    page.get_by_label("Alimentação").fill("650,45")
    page.get_by_label("Transporte").fill("180")
    page.get_by_label("Contas da casa").fill("254,91")
    page.get_by_label("Outros gastos").fill("99,99")
    page.get_by_role("button", name="Calcular o que sobra").click()
    page.locator("#resultado").wait_for()
    check_page(page)
    # the table itself fits the phone: nothing hidden behind a sideways scroll
    widths = page.locator(".planner-result .table-scroll").evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the planner table is {widths[0] - widths[1]}px too wide"
    assert page.locator("#planner-left").inner_text() == "R$\xa0477,02"
    assert "/aprenda/planejador" in page.url and "477" not in page.url

    page.get_by_role("button", name="Simular com R$\xa0477,02 por mês").click()
    # The reminder link opened one company: straight to its simulation (with several
    # companies the debtor chooses on /inicio: tests/learn/test_planner.py).
    page.wait_for_url("**/simular/*")
    check_page(page)
    budget = page.get_by_label("Quanto cabe no seu bolso por mês? (opcional)")
    assert budget.input_value() == "477,02"
    assert "477" not in page.url
    page.get_by_role("button", name="Ver as opções").click()
    page.wait_for_url("**/simulacao/*")
    check_page(page)
    assert "477,02" in page.locator("main").inner_text()
    assert page.console_problems == []
