"""LGPD self-service in a browser on a phone (issue 16): a debtor switches SMS reminders off
for one company and downloads the JSON export of what the portal holds, each behind a fresh
code; the downloaded file parses and says SMS is off. Every page passes axe at 360 px.

The test runs its own server: the opt-out must not change what other journeys see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    check_page,
    download,
    enter_by_reminder_link,
    make_server_env,
    new_phone_context,
    outbox_texts,
    running_server,
    wait_for_code,
    watch_console,
)

MARIA_CPF = "037.104.211-95"
CREDITOR = "Energia Viva"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = make_server_env(Path(tmp_path_factory.mktemp("e2e-privacy")))
    with running_server(env):
        yield env


def _confirm_with_code(page: Any, env: dict[str, str], submit: str) -> None:
    before = len(outbox_texts(env))
    page.get_by_role("button", name="1. Receber o código").click()
    page.get_by_label("Código de 6 dígitos").wait_for()
    check_page(page)
    code = wait_for_code(lambda: outbox_texts(env), before)
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name=submit).click()


def test_opt_out_of_sms_then_download_and_parse_the_export(
    browser: Any, env: dict[str, str]
) -> None:
    context = new_phone_context(browser)
    page = watch_console(context.new_page())
    enter_by_reminder_link(page, env, MARIA_CPF, creditor=CREDITOR)
    page.goto(env["BASE_URL"] + "/meus-dados")
    check_page(page)
    page.get_by_role("link", name=re.compile(rf"^Meus dados com {CREDITOR}")).click()
    page.wait_for_url(re.compile(r"/meus-dados/\d+/lgpd$"))
    privacy_url = page.url
    check_page(page)
    messages = page.locator(
        "section", has=page.get_by_role("heading", name="Mensagens de lembrete")
    )
    assert "recebendo" in messages.locator("dd").nth(1).inner_text()

    # SMS off for this company, confirmed with a fresh code.
    page.get_by_role("link", name="Escolher como receber mensagens").click()
    page.wait_for_url("**/mensagens")
    check_page(page)
    before = len(outbox_texts(env))
    page.get_by_role("button", name="1. Receber o código").click()
    page.get_by_label("Código de 6 dígitos").wait_for()
    check_page(page)
    code = wait_for_code(lambda: outbox_texts(env), before)
    assert page.get_by_label("Lembretes por SMS").is_checked()
    page.get_by_label("Lembretes por SMS").uncheck()
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name="2. Salvar").click()
    page.wait_for_url(privacy_url)
    assert "Preferências salvas" in page.locator("main").inner_text()
    check_page(page)
    states = [dd.inner_text() for dd in messages.locator("dd").all()]
    assert states == ["recebendo", "desligado para esta empresa", "recebendo"]

    # The export, behind its own fresh code.
    page.get_by_role("link", name="Baixar meus dados").click()
    page.wait_for_url("**/exportar")
    check_page(page)
    _confirm_with_code(page, env, "2. Confirmar")
    page.get_by_role("link", name="Baixar em JSON").wait_for()
    check_page(page)
    name, body = download(page, page.get_by_role("link", name="Baixar em JSON"))
    assert re.fullmatch(r"meus-dados-\d+-\d{4}-\d\d-\d\d\.json", name)
    data = json.loads(body.decode("utf-8"))
    assert data["format"] == "portal-de-acordos/meus-dados"
    assert data["communication"]["preferences"] == {
        "email": "on",
        "sms": "off_here",
        "whatsapp": "on",
    }
    [opt_out] = data["communication"]["opt_outs"]
    assert (opt_out["channel"], opt_out["scope"], opt_out["source"]) == ("sms", "company", "lgpd")
    assert data["pending_items"] and all(
        i["original_amount_cents"] > 0 for i in data["pending_items"]
    )
    assert data["person"]["document_masked"].endswith("-**")
    assert MARIA_CPF not in body.decode("utf-8") and "03710421195" not in body.decode("utf-8")
    assert page.console_problems == []
    context.close()
