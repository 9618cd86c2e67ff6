"""The back-office at a desk (1280 px): side menu, full-width tables, search that ignores
accents, the KPI trend and a webhook delivery's detail, each checked with axe."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pyotp
import pytest

from tests.e2e.conftest import (
    PHONE,
    assert_accessible,
    assert_fits_the_phone,
    make_server_env,
    running_server,
    watch_console,
)
from tests.e2e.test_staff_pages import ADMIN_PASSWORD, _admin_secret

DESK = {"width": 1280, "height": 800}


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESK, locale="pt-BR")
    yield watch_console(context.new_page())
    context.close()


def _sign_in(page: Any, server_url: str, server_env: dict[str, str], email: str) -> None:
    secret = _admin_secret(server_env, email)
    page.goto(server_url + "/atendimento/entrar")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(ADMIN_PASSWORD)
    page.get_by_label("Código do aplicativo autenticador").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Entrar").click()


def assert_desk_layout(page: Any) -> None:
    """Side menu shown (the header one hidden), main content wide, nothing scrolls sideways."""
    assert page.locator(".staff-side").is_visible()
    assert not page.locator(".staff-nav").is_visible()
    main = page.locator("main").bounding_box()
    assert main["width"] >= 1000, main
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    for table in page.locator("main table:not(.chart__table)").all():
        assert table.bounding_box()["width"] >= main["width"] - 64, page.url


def _check(page: Any) -> None:
    assert_accessible(page)
    assert_desk_layout(page)


def _check_on_a_phone(page: Any) -> None:
    """The same page at 360 px: the header menu instead of the side one, nothing wider."""
    page.set_viewport_size(PHONE)
    assert page.locator(".staff-nav").is_visible()
    assert not page.locator(".staff-side").is_visible()
    assert_accessible(page)
    assert_fits_the_phone(page)
    page.set_viewport_size(DESK)


def test_search_ignores_accents_and_case(
    desk: Any, server_url: str, server_env: dict[str, str]
) -> None:
    _sign_in(desk, server_url, server_env, "busca.desk@example.com")
    desk.get_by_label("CPF, e-mail ou nome").fill("joao")
    desk.get_by_role("button", name="Buscar").click()
    desk.locator(".result-list a").first.wait_for()
    found = desk.locator(".result-list a").all_inner_texts()
    assert "João Batista Pereira" in found, found
    _check(desk)
    for typed, name in (("JOSE", "José Carlos da Silva"), ("Antonia", "Antônia Aparecida Santos")):
        desk.get_by_label("CPF, e-mail ou nome").fill(typed)
        desk.get_by_role("button", name="Buscar").click()
        desk.get_by_role("link", name=name).wait_for()  # the result page, by POST
    desk.get_by_role("link", name="Antônia Aparecida Santos").click()
    assert desk.locator("h2#links").count() == 1
    _check(desk)
    assert desk.console_problems == []


def test_kpi_trend_by_week(desk: Any, server_url: str, server_env: dict[str, str]) -> None:
    _sign_in(desk, server_url, server_env, "kpi.desk@example.com")
    desk.locator(".staff-side").get_by_role("link", name="Indicadores").click()
    assert desk.locator(".staff-side a[aria-current=page]").inner_text() == "Indicadores"
    _check(desk)
    desk.get_by_role("link", name="Ver a tendência semana a semana").click()
    assert desk.locator("h1").inner_text() == "Tendência semanal"
    assert 12 <= desk.locator("table.trend-table tbody tr").count() <= 13
    charts = desk.locator(".chart svg[role=img]")
    assert charts.count() == 3
    assert re.search(
        r"\d{2}/\d{2}/\d{4} a \d{2}/\d{2}/\d{4}: R\$", charts.first.get_attribute("aria-label")
    )
    _check(desk)
    _check_on_a_phone(desk)
    assert desk.console_problems == []


class _Busy(BaseHTTPRequestHandler):
    """A company's receiver under maintenance: 503 with a short JSON body."""

    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        _Busy.received.append(self.rfile.read(length))
        body = json.dumps({"erro": "em manutenção"}).encode()
        self.send_response(503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks"
    server.shutdown()


def test_delivery_detail_shows_payload_answer_and_next_retry(
    desk: Any, receiver: str, tmp_path: Path
) -> None:
    # Its own server: the receiver listens on 127.0.0.1, a private address the shared one refuses.
    env = make_server_env(tmp_path, WEBHOOKS_ALLOW_PRIVATE_NETWORKS="true")
    with running_server(env) as url:
        _sign_in(desk, url, env, "entregas.desk@example.com")
        desk.get_by_label("CPF, e-mail ou nome").fill("joao")
        desk.get_by_role("button", name="Buscar").click()
        desk.get_by_role("link", name="João Batista Pereira").click()
        debtor_url = desk.url
        group = desk.locator("section:has(button:text-is('Marcar como contestada'))").first
        company = group.locator("h3").first.inner_text()

        desk.locator(".staff-side").get_by_role("link", name="Integração").click()
        desk.get_by_role("link", name=company, exact=True).click()
        desk.get_by_label(re.compile("Nome da nova chave")).fill("ERP")
        desk.get_by_role("button", name="Criar chave").click()
        secret = desk.locator("code.secret").inner_text()
        created = desk.request.post(
            url + "/api/v1/webhook-endpoints",
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "desk-e2e-1"},
            data={"url": receiver, "event_types": ["item.disputed"]},
        )
        assert created.status == 201, created.text()

        # back to the debtor: an item disputed is an event for the company
        desk.goto(debtor_url)
        group = desk.locator(f"section:has(h3:text-is('{company}'))").first
        group.get_by_role("button", name="Marcar como contestada").first.click()
        desk.wait_for_load_state()
        for _ in range(50):  # the delivery is tried right after the commit
            if _Busy.received:
                break
            desk.wait_for_timeout(200)
        assert _Busy.received, "the delivery was tried"

        desk.locator(".staff-side").get_by_role("link", name="Integração").click()
        desk.get_by_role("link", name=company, exact=True).click()
        desk.get_by_role("link", name=re.compile("Todas as entregas")).click()
        assert desk.locator("tbody tr").count() == 1
        assert "aguardando" in desk.locator("tbody tr").inner_text()
        _check(desk)
        _check_on_a_phone(desk)
        desk.locator("tbody tr th a").first.click()
        text = desk.locator("main").inner_text()
        assert '"type": "item.disputed"' in text
        assert "em manuten" in text  # the receiver's answer
        assert re.search(
            r"\d{2}/\d{2}/\d{4} às \d{2}:\d{2}", desk.locator(".next-try").inner_text()
        )
        _check(desk)
        _check_on_a_phone(desk)
        assert desk.console_problems == []
