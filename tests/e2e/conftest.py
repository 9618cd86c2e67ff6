"""Browser journeys: Playwright driving Debian's Chromium against a real server process.

The server is started the way ``make demo`` starts it (migrate, seed, ``flask run``) in a
subprocess with its own SQLite file, so nothing of the test process leaks into it. Pages
are checked with axe-core (WCAG 2.1 A and AA) at a 360×740 phone viewport.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    port = _free_port()
    tmp = tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY"))}
    env.update(
        PORTAL_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}",
        BASE_URL=f"http://127.0.0.1:{port}",
        PORT=str(port),
        SECRET_KEY="e2e-secret-key-long-enough-for-validation-0123456789",
        LOG_LEVEL="WARNING",
        DEV_OUTBOX_DIR=str(tmp / "outbox"),
    )
    return env


@pytest.fixture(scope="session")
def server_url(server_env: dict[str, str]) -> Iterator[str]:
    _flask(server_env, "db", "upgrade")
    _flask(server_env, "seed-demo")
    port = server_env["PORT"]
    log_path = Path(server_env["DATABASE_URL"].removeprefix("sqlite:///")).with_suffix(".log")
    log = log_path.open("wb")
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
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 - localhost
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the e2e server did not start") from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, locale="pt-BR", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.console_problems = []  # type: ignore[attr-defined]

    def on_console(message: Any) -> None:
        if message.type == "error":
            page.console_problems.append(message.text)  # type: ignore[attr-defined]

    page.on("console", on_console)
    yield page
    context.close()


def assert_accessible(page: Any) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert not violations, results.generate_report()


def assert_fits_the_phone(page: Any) -> None:
    """Nothing scrolls sideways at 360 px."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the screen"


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
    import sqlalchemy as sa

    return sa.create_engine(server_env["DATABASE_URL"])
