"""Issue 18: ``st run --checks all`` over every operation of a live /api/v1 finds nothing.

Schemathesis's command line, as an integrator runs it, against the live server thread: every
phase (examples, coverage, fuzzing, stateful) and every check, among them "schema-valid
request rejected", "schema-violating request accepted", problem+json conformance, the
``Allow`` header and authentication. The formats our document declares are taught to it by
``tests/api/schemathesis_hooks.py`` (CPF/CNPJ with right check digits; URLs naming hosts
this machine resolves).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.live_server import LiveApi

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("PORTAL_ST_EXAMPLES", "25"))
SEED = os.environ.get("PORTAL_ST_SEED", "18")  # another seed explores other inputs
pytestmark = [pytest.mark.real_commits, pytest.mark.slow, pytest.mark.timeout(900)]


def test_schemathesis_with_every_check_finds_nothing(
    live_api: LiveApi,
    tmp_path: Path,
) -> None:
    st = Path(sys.executable).with_name("st")
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(  # noqa: S603 - fixed command line
        [
            str(st),
            "run",
            f"{live_api.api}/openapi.json",
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {live_api.key}",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            SEED,
            "--no-color",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    tested = re.search(r"Tested: (\d+)", output)
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    assert tested and selected, output[-3000:]
    assert int(tested.group(1)) == int(selected.group(2)) >= 19, output[-3000:]
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}", output), (phase, output[-3000:])
    assert "passed" in output and "failure" not in output.lower(), output[-3000:]
