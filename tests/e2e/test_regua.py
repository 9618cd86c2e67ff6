"""The régua in a real browser on a phone: an admin edits a step, previews a debtor's
ruler, and after a simulated run sees the per-phase funnel on the KPI page (axe-checked)."""

from __future__ import annotations

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
    assert_accessible,
    assert_fits_the_phone,
    flask_cli,
    make_server_env,
    running_server,
)

ADMIN = "admin.regua@example.com"
PASSWORD = "uma-senha-longa-de-teste-2026"
MARIA_CPF = "037.104.211-95"  # demo debtor with items at Energia Viva


@pytest.fixture(scope="module")
def regua_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server of its own: the run below sends messages the other journeys must not see."""
    env = make_server_env(Path(tmp_path_factory.mktemp("e2e-regua")))
    with running_server(env) as url:
        yield url, env


def _check(page: Any) -> None:
    assert_accessible(page)
    assert_fits_the_phone(page)


def _sign_in(page: Any, url: str, env: dict[str, str]) -> None:
    output = flask_cli(
        env,
        "create-staff",
        "--name",
        "Regina Régua",
        "--email",
        ADMIN,
        "--role",
        "admin",
        "--all-creditors",
        "--password",
        PASSWORD,
    )
    secret = re.search(r"Or type the secret: ([A-Z2-7]+)", output)
    assert secret, output
    page.goto(url + "/atendimento/entrar")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_label("Código do aplicativo autenticador").fill(pyotp.TOTP(secret.group(1)).now())
    page.get_by_role("button", name="Entrar").click()


def _last_business_instant() -> datetime:
    day = today_br()
    while not anbima_calendar().is_business_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(10), BRASILIA)


def test_edit_preview_and_funnel(page: Any, regua_server: tuple[str, dict[str, str]]) -> None:
    url, env = regua_server
    _sign_in(page, url, env)
    page.get_by_role("link", name="Régua", exact=True).click()
    _check(page)
    page.get_by_role("link", name="Energia Viva").click()
    assert "Versão 1" in page.content()
    _check(page)

    # Edit the SMS step: shorter wording, then a threat the checker refuses, then fixed.
    page.get_by_role("link", name="Editar o passo 2").click()
    _check(page)
    body = page.get_by_label("Texto da mensagem", exact=True)
    body.fill("{empresa} CNPJ {cnpj}: {valor} em aberto. Chamaremos a polícia. {link} {sair}")
    page.get_by_role("button", name="Salvar e publicar nova versão").click()
    assert "sem ameaças (CDC art. 42)" in page.locator(".error-summary").inner_text()
    _check(page)
    page.get_by_label("Texto da mensagem", exact=True).fill(
        "{empresa} CNPJ {cnpj}: {valor} em aberto. Acesse: {link} {sair}"
    )
    page.get_by_label("O que mudou (opcional)").fill("SMS mais curto")
    page.get_by_role("button", name="Salvar e publicar nova versão").click()
    assert "Versão 2 publicada" in page.content()
    _check(page)

    # Preview a debtor's whole ruler.
    page.get_by_role("link", name="Pré-visualizar para um devedor").click()
    page.get_by_label("CPF ou CNPJ do devedor").fill(MARIA_CPF)
    page.get_by_role("button", name="Pré-visualizar").click()
    content = page.content()
    assert "Maria das Graças Souza" in content and "Acesse: " in content
    assert "037.104.211-95" not in content
    _check(page)

    # A simulated run, then the funnel on the KPI page.
    output = flask_cli(env, "reminders", "run", "--at", _last_business_instant().isoformat())
    sent = int(re.search(r"^sent=(\d+)", output, re.M).group(1))  # type: ignore[union-attr]
    assert sent > 0, output
    page.get_by_role("link", name="Indicadores").click()
    page.get_by_label("Empresa").select_option(label="Energia Viva")
    page.get_by_role("button", name="Ver indicadores").click()
    funnel = page.locator("#regua-funnel")
    assert funnel.is_visible()
    table = page.get_by_role("table", name="Por fase")
    assert "Enviadas" in table.inner_text()
    _check(page)
    # The refused save above answers 400 on purpose; Chromium logs that, nothing else.
    unexpected = [p for p in page.console_problems if "status of 400" not in p]
    assert unexpected == [] and len(page.console_problems) == 1
