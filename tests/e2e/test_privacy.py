"""LGPD self-service in a browser on a phone (issue 16): a debtor switches SMS reminders off
for one company and downloads the JSON export of what the portal holds, each behind a fresh
code; the downloaded file parses and says SMS is off. Then a correction request reaches the
back-office queue with its 15-day deadline, staff conclude it, and the debtor reads the
answer; last, switching e-mail off makes the régua's plan skip the e-mail it had for her.
Every page passes axe at 360 px.

The test runs its own server: the opt-out must not change what other journeys see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from portal.core.clock import BRASILIA, today_br
from portal.domain.calendar import anbima_calendar
from tests.e2e.conftest import (
    check_page,
    download,
    enter_by_reminder_link,
    flask_cli,
    make_server_env,
    new_phone_context,
    outbox_texts,
    running_server,
    wait_for_code,
    watch_console,
)

MARIA_CPF = "037.104.211-95"
CREDITOR = "Energia Viva"
STAFF = "luiza.lgpd@example.com"
PASSWORD = "uma-senha-longa-de-teste-2026"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = make_server_env(Path(tmp_path_factory.mktemp("e2e-privacy")))
    # Four acts with a fresh code each, for one person, within minutes (the default allows
    # three per 15 minutes, which the debtor would meet here only because a test is quick).
    env["RATELIMIT_CODE_REQUEST"] = "10 per 15 minutes"
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

    # A correction request, answered in the back-office.
    page.goto(privacy_url)
    page.get_by_role("link", name="Pedir correção de um dado").click()
    page.wait_for_url("**/correcao")
    check_page(page)
    before = len(outbox_texts(env))
    page.get_by_role("button", name="1. Receber o código").click()
    page.get_by_label("Código de 6 dígitos").wait_for()
    check_page(page)
    code = wait_for_code(lambda: outbox_texts(env), before)
    page.get_by_label("Qual dado está errado?").select_option("phone")
    page.get_by_label("O que precisa ser corrigido").fill("Meu celular mudou no mês passado.")
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name="2. Enviar pedido").click()
    page.wait_for_url(privacy_url)
    assert "Em análise" in page.locator("main").inner_text()
    check_page(page)
    assert page.console_problems == []
    context.close()

    staff = watch_console(new_phone_context(browser).new_page())
    _staff_sign_in(staff, env)
    staff.get_by_role("link", name="LGPD", exact=True).click()
    staff.wait_for_url("**/atendimento/lgpd")
    check_page(staff)
    row = staff.locator("tbody tr").first
    assert "faltam 15 dias" in row.inner_text() or "faltam 14 dias" in row.inner_text()
    row.get_by_role("link").click()
    check_page(staff)
    assert "Meu celular mudou no mês passado." in staff.locator("main").inner_text()
    staff.get_by_label("Resposta ao devedor").fill("Atualizamos o seu celular. Obrigado!")
    staff.get_by_role("button", name="Concluir").click()
    staff.wait_for_url("**/atendimento/lgpd")
    assert "Pedido concluído" in staff.locator("main").inner_text()
    check_page(staff)
    assert staff.console_problems == []
    staff.context.close()

    context = new_phone_context(browser)
    page = watch_console(context.new_page())
    enter_by_reminder_link(page, env, MARIA_CPF, creditor=CREDITOR)
    page.goto(privacy_url)
    assert "Atualizamos o seu celular. Obrigado!" in page.locator("main").inner_text()
    check_page(page)

    # The opt-out stops a message: at a business-day 10:00 the régua plans an e-mail to Maria
    # from this company; once e-mail is off here, the same plan skips it for the opt-out.
    at = _last_business_instant().isoformat()
    planned = _dry_run(env, at)
    page.get_by_role("link", name="Escolher como receber mensagens").click()
    page.wait_for_url("**/mensagens")
    before = len(outbox_texts(env))
    page.get_by_role("button", name="1. Receber o código").click()
    page.get_by_label("Código de 6 dígitos").wait_for()
    code = wait_for_code(lambda: outbox_texts(env), before)
    page.get_by_label("Lembretes por e-mail").uncheck()
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name="2. Salvar").click()
    page.wait_for_url(privacy_url)
    assert "Preferências salvas" in page.locator("main").inner_text()
    check_page(page)
    after = _dry_run(env, at)
    assert after["skipped_opt_out"] == planned["skipped_opt_out"] + 1, (planned, after)
    context.close()


def _last_business_instant() -> datetime:
    day = today_br()
    while not anbima_calendar().is_business_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(10), BRASILIA)


def _dry_run(env: dict[str, str], at: str) -> dict[str, int]:
    """The régua's plan at ``at`` (nothing sent or saved): its counts by name."""
    output = flask_cli(env, "reminders", "run", "--at", at, "--dry-run")
    return {name: int(n) for name, n in re.findall(r"(\w+)=(\d+)", output)}


def _staff_sign_in(page: Any, env: dict[str, str]) -> None:
    output = flask_cli(
        env,
        "create-staff",
        "--name",
        "Luiza LGPD",
        "--email",
        STAFF,
        "--role",
        "agent",
        "--all-creditors",
        "--password",
        PASSWORD,
    )
    secret = re.search(r"Or type the secret: ([A-Z2-7]+)", output)
    assert secret, output
    page.goto(env["BASE_URL"] + "/atendimento/entrar")
    page.get_by_label("E-mail").fill(STAFF)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_label("Código do aplicativo autenticador").fill(pyotp.TOTP(secret.group(1)).now())
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/atendimento**")
