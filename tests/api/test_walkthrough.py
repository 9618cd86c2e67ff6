"""Issue 18: every ``curl`` of docs/api.md runs, as written, against a live server.

The commands are parsed from the file (a change to the doc changes the test) and run by bash
with the variables the doc uses: ``PORTAL`` and ``KEY`` (a new company's key: the walk-through
starts with a company that has sent nothing yet), ``HOOK_URL`` (a receiver on this machine,
where the doc's example host would not resolve) and ``NEXT_CURSOR`` (the cursor the server
issues for the first page of agreements, as the doc says to follow). When the comment under
a command starts with a status (``# 201 {…}``) the answer must have it, and every field the
comment names must be in the answer; otherwise the answer must be 2xx.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from portal.core.context import SYSTEM
from portal.extensions import db
from portal.services.integration import create_key
from tests.agreement_factories import create_agreement
from tests.api.live_server import LiveApi

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
STATUS = re.compile(r"^#\s*(\d{3})\b")
FIELD = re.compile(r'"([a-z_]+)":')
pytestmark = pytest.mark.real_commits


@dataclass
class Example:
    command: str
    comment: str = ""

    @property
    def status(self) -> int | None:
        match = STATUS.match(self.comment)
        return int(match.group(1)) if match else None


def _complete(command: str) -> bool:
    if command.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(command)
    except ValueError:  # a quote still open: the JSON goes on
        return False
    return True


def examples(text: str) -> list[Example]:
    """The ``curl`` commands of the ```sh blocks, each with the comment lines under it."""
    found: list[Example] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        pending: str | None = None
        last: Example | None = None
        for line in block.splitlines():
            if pending is not None:
                pending += "\n" + line
                if _complete(pending):
                    last = Example(pending)
                    found.append(last)
                    pending = None
            elif line.startswith("curl "):
                if _complete(line):
                    last = Example(line)
                    found.append(last)
                else:
                    pending = line
            elif line.startswith("#") and last is not None:
                last.comment += line + "\n"
            else:
                last = None
    return found


def test_the_walkthrough_has_its_examples() -> None:
    found = examples(DOC.read_text(encoding="utf-8"))
    assert len(found) >= 9
    assert all(example.command.startswith("curl ") for example in found)
    assert sum(example.status is not None for example in found) >= 8


@dataclass
class HookReceiver:
    url: str
    received: list[bytes]


@pytest.fixture
def hook_receiver() -> Iterator[HookReceiver]:
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield HookReceiver(f"http://127.0.0.1:{server.server_address[1]}/hooks", received)
    server.shutdown()
    server.server_close()


def _new_company_key(live: LiveApi) -> str:
    """A company that has not used the API yet, with two agreements its debtors accepted in
    the portal (so the agreements feed has rows and pages), and its key."""
    with live.app.app_context():
        first = create_agreement()
        create_agreement(creditor=first.creditor)
        _, secret = create_key(db.session, first.creditor_id, "ERP", actor=SYSTEM)
        db.session.commit()
        db.session.remove()
    return secret


def _run(example: Example, env: dict[str, str]) -> tuple[int, str]:
    script = (
        "set -eu\n"
        "curl() { command curl --show-error --max-time 30 -w '\\n%{http_code}' \"$@\"; }\n"
        + example.command
    )
    result = subprocess.run(  # noqa: S603 - bash runs the doc's own command
        ["/bin/bash", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (example.command, result.stderr)
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


def test_every_curl_of_the_walkthrough_runs_as_written(
    live_api: LiveApi,
    hook_receiver: HookReceiver,
) -> None:
    key = _new_company_key(live_api)
    env = {
        "PATH": "/usr/bin:/bin",
        "PORTAL": live_api.api,
        "KEY": key,
        "HOOK_URL": hook_receiver.url,
    }
    headers = {"Authorization": f"Bearer {key}"}
    ran = 0
    for example in examples(DOC.read_text(encoding="utf-8")):
        if "$NEXT_CURSOR" in example.command and "NEXT_CURSOR" not in env:
            first_page = f"{live_api.api}/agreements?limit=1"
            listed = requests.get(first_page, headers=headers, timeout=10)
            env["NEXT_CURSOR"] = listed.json()["next_cursor"]
            assert env["NEXT_CURSOR"], listed.text
        status, body = _run(example, env)
        expected = example.status
        if expected is None:
            assert 200 <= status < 300, (example.command, status, body)
        else:
            assert status == expected, (example.command, status, body)
        answer = json.loads(body) if body else None
        if answer is not None and example.comment:
            text = json.dumps(answer)
            named = set(FIELD.findall(example.comment))
            missing = {name for name in named if f'"{name}":' not in text}
            assert not missing, (example.command, missing, body)
        ran += 1
    assert ran >= 9
