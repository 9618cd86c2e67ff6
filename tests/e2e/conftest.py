"""Browser journeys: Playwright driving Debian's Chromium against a real server process.

The server is started the way ``make demo`` starts it (migrate, seed, ``flask run``) in a
subprocess with its own SQLite file, so nothing of the test process leaks into it. Pages
are checked with axe-core (WCAG 2.1 A and AA) at a 360×740 phone viewport.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.log_scan import assert_no_secrets_in_log

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install playwright, never a browser)"
    for item in items:
        if Path(str(item.path)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _flask(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def make_server_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of one e2e server: its own port, SQLite file and outbox under ``tmp``.

    ``extra`` adds or overrides variables (e.g. ``SMTP_HOST`` to send real e-mail).
    """
    port = _free_port()
    inherited = ("DATABASE_URL", "CELERY", "SMTP_", "MAIL_")  # never the developer's own
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.update(
        PORTAL_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}",
        BASE_URL=f"http://127.0.0.1:{port}",
        PORT=str(port),
        SECRET_KEY="e2e-secret-key-long-enough-for-validation-0123456789",
        LOG_LEVEL="WARNING",
        DEV_OUTBOX_DIR=str(tmp / "outbox"),
    )
    env.update(extra)
    return env


@contextmanager
def running_server(env: dict[str, str]) -> Iterator[str]:
    """Migrate, seed and serve like ``make demo``; yields the base URL, stops on exit."""
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo")
    port = env["PORT"]
    log_path = Path(env["DATABASE_URL"].removeprefix("sqlite:///")).with_suffix(".log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "portal",
                "run",
                "--port",
                port,
                "--host",
                "127.0.0.1",
                "--no-reload",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        message = f"the e2e server did not start; see {log_path}"
                        raise RuntimeError(message) from None
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert_no_secrets_in_log(log_path.read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return make_server_env(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def server_url(server_env: dict[str, str]) -> Iterator[str]:
    with running_server(server_env) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch_console(page: Any) -> Any:
    """Collect console errors and uncaught exceptions in ``page.console_problems``."""
    page.console_problems = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            page.console_problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_problems.append(str(error)))
    return page


def new_phone_context(browser: Any) -> Any:
    """A fresh browser context (no cookies) that looks like a phone."""
    return browser.new_context(
        viewport=PHONE, locale="pt-BR", is_mobile=True, has_touch=True, device_scale_factor=2
    )


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = new_phone_context(browser)
    yield watch_console(context.new_page())
    context.close()


def assert_accessible(page: Any) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert not violations, results.generate_report()


def assert_fits_the_phone(page: Any) -> None:
    """Nothing scrolls sideways at 360 px.

    Measured against the configured width, not ``innerWidth``: a mobile browser zooms out
    to fit wide content, which widens ``innerWidth`` along with the page.
    """
    width = page.viewport_size["width"]
    overflow = page.evaluate(f"document.documentElement.scrollWidth - {width}")
    if overflow > 0:
        culprits = page.evaluate(
            f"""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > {width} + 1
                             && !e.closest('.table-scroll'))
                .slice(0, 5)
                .map(e => e.tagName + '.' + e.className + ': '
                          + (e.textContent || '').trim().slice(0, 40))"""
        )
        raise AssertionError(
            f"{page.url} is {overflow}px wider than the {width}px screen: {culprits}"
        )


def flask_cli(server_env: dict[str, str], *args: str) -> str:
    """Run a ``flask --app portal`` command against the e2e server's database."""
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        cwd=ROOT,
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout


def outbox_texts(server_env: dict[str, str]) -> list[str]:
    """Plain-text bodies in the e2e server's development outbox, oldest first."""
    import mailbox

    box = mailbox.Maildir(server_env["DEV_OUTBOX_DIR"], create=True)
    messages = sorted(box, key=lambda m: m.get_date())
    texts = []
    for message in messages:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                texts.append(part.get_payload(decode=True).decode("utf-8"))
    return texts


def database(server_env: dict[str, str]) -> Any:
    """The e2e server's database, for a test to look into: read-only, it never takes SQLite's
    write lock (portal.database), so a connection left open does not block the server."""
    import sqlalchemy as sa

    from portal.database import DEFERRED_BEGIN

    return sa.create_engine(server_env["DATABASE_URL"], execution_options={DEFERRED_BEGIN: True})


# --- the debtor's journey, shared by test_journey and test_payments -------------------------

MAIL_CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


def check_page(page: Any) -> None:
    """What every page of a journey must pass: axe (WCAG 2.1 A/AA) and the 360 px width."""
    assert_accessible(page)
    assert_fits_the_phone(page)


def creditor_cnpj(server_env: dict[str, str], trade_name: str) -> str:
    import sqlalchemy as sa

    with database(server_env).connect() as db:
        cnpj: str = db.execute(
            sa.text("SELECT cnpj FROM creditors WHERE trade_name = :name"), {"name": trade_name}
        ).scalar_one()
    return cnpj


def enter_by_reminder_link(
    page: Any, server_env: dict[str, str], cpf: str, creditor: str | None = None
) -> None:
    """Open a fresh SMS reminder link for ``cpf`` and pass its identity check. The link opens
    only one company's pendências: ``creditor`` (a trade name), or the one with most items."""
    company = ["--creditor", creditor_cnpj(server_env, creditor)] if creditor else []
    url = flask_cli(server_env, "issue-link", cpf, "--channel", "sms", *company).strip()
    assert url.startswith(server_env["BASE_URL"] + "/a/")
    page.goto(url)
    check_page(page)
    page.get_by_label("Os 3 primeiros dígitos do seu CPF ou CNPJ").fill(cpf[:3])
    page.get_by_role("button", name="Confirmar e entrar").click()
    page.wait_for_url("**/inicio")
    assert page.locator("h1").inner_text() == "Minhas pendências"
    check_page(page)


def wait_for_code(mail_texts: Callable[[], list[str]], before: int, timeout: float = 10) -> str:
    """The one-time code in the first message that arrived after the first ``before``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for text in mail_texts()[before:]:
            if found := MAIL_CODE.search(text):
                return found.group(1)
        time.sleep(0.2)
    raise AssertionError("no one-time code arrived by e-mail")


def accept_agreement(
    page: Any,
    *,
    creditor: str,
    mail_texts: Callable[[], list[str]],
    budget: str | None = None,
    plan: str = "Escolher entrada + 2 parcelas",
) -> int:
    """From "Minhas pendências": simulate with ``creditor``, choose a plan and confirm it with
    the one-time code sent by e-mail; returns the new agreement's id. With ``budget`` the plan
    is the one highlighted as fitting it, otherwise the one whose link is called ``plan``."""
    group = page.locator(".creditor-group", has_text=creditor)
    group.get_by_role("link", name="Simular um acordo").click()
    page.wait_for_url("**/simular/*")
    check_page(page)
    if budget:
        page.get_by_label("Quanto cabe no seu bolso por mês? (opcional)").fill(budget)
    page.get_by_role("button", name="Ver as opções").click()
    page.wait_for_url("**/simulacao/*")
    check_page(page)
    if budget:
        assert "cabe no seu bolso" in page.locator(".budget-answer").inner_text()
        choice = page.locator(".option--fits").get_by_role("link")
    else:
        choice = page.get_by_role("link", name=plan, exact=True)
    choice.click()
    page.wait_for_url("**/confirmar?parcelas=*")
    assert page.locator("h1").inner_text() == "Confira antes de confirmar"
    check_page(page)

    before = len(mail_texts())
    page.get_by_role("button", name="1. Receber o código").click()
    page.get_by_label("Código de 6 dígitos").wait_for()
    check_page(page)
    code = wait_for_code(mail_texts, before)
    page.get_by_label("Li e concordo com as condições acima.").check()
    page.get_by_label("Código de 6 dígitos").fill(code)
    page.get_by_role("button", name="2. Confirmar o acordo").click()
    page.wait_for_url(re.compile(r"/acordos/\d+$"))
    assert "Acordo confirmado!" in page.locator("main").inner_text()
    check_page(page)
    return int(page.url.rsplit("/", 1)[1])


def wait_for_document(page: Any, name: str, count: int = 1, timeout: float = 20) -> Any:
    """Reload the agreement page until ``count`` documents called ``name`` are listed and
    the last one is ready (they are rendered by a task after the commit); returns its link."""
    deadline = time.monotonic() + timeout
    while True:
        items = page.locator("li", has=page.get_by_role("link", name=name, exact=True))
        if items.count() >= count and "em preparação" not in items.nth(count - 1).inner_text():
            return items.nth(count - 1).get_by_role("link")
        if time.monotonic() > deadline:
            raise AssertionError(f"{name!r} was not ready within {timeout}s")
        page.wait_for_timeout(300)
        page.reload()


def pdf_text(data: bytes) -> str:
    """The PDF's text with all white space removed (the layout may break long strings)."""
    import io

    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def download(page: Any, link: Any) -> tuple[str, bytes]:
    """Click ``link`` and return the downloaded file's suggested name and bytes."""
    with page.expect_download() as info:
        link.click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()
