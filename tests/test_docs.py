"""The commands the README and docs/ show exist and parse as written, so the docs never drift.

Every ``flask --app portal …`` line in a code span or block is run with ``--help`` appended
(the command, its subcommand and every option it names must exist), and every ``make X``
names a target of the Makefile. The API walk-through (docs/api.md) is run for real against a
live server in tests/api/test_walkthrough.py (every curl, parsed from the file).
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FLASK_LINE = re.compile(r"flask --app portal ([^`|\n]+)")
MAKE = re.compile(r"`make ([a-z][a-z0-9-]*)")


def _flask_commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for match in FLASK_LINE.finditer(doc.read_text(encoding="utf-8")):
            line = match.group(1).split("#")[0].strip().rstrip(")`.,;")
            found.append((doc.name, line))
    return found


def _parse(line: str) -> tuple[str, list[list[str]], set[str]]:
    """The command, its subcommand alternatives (``jobs run-due | reconcile``) and the options
    the line names; placeholders (``<cpf>``, ``ID``, ``…``) are left out."""
    line = line.replace("\\|", "|")
    command, _, rest = line.partition(" ")
    alternatives = []
    for part in rest.split("|"):
        words = part.split()
        if words and re.fullmatch(r"[a-z][a-z-]*", words[0]):
            alternatives.append(words[:1])
    return command, alternatives, set(re.findall(r"(--[a-z][a-z-]*)", line))


def test_the_docs_show_commands() -> None:
    assert len(_flask_commands()) >= 10


@pytest.mark.parametrize(("doc", "line"), _flask_commands())
def test_every_documented_flask_command_exists(app: Flask, doc: str, line: str) -> None:
    name, alternatives, options = _parse(line)
    context = app.cli.make_context("flask", [], resilient_parsing=True)
    command = app.cli.get_command(context, name)
    assert command is not None, f"{doc}: unknown command {name!r}"
    commands = [command]
    if isinstance(command, click.Group) and alternatives:
        commands = [command.get_command(context, words[0]) for words in alternatives]
        assert None not in commands, f"{doc}: unknown subcommand in {line!r}"
    known = {opt for each in commands for param in each.params for opt in param.opts}
    assert options <= known, f"{doc}: {line!r} names unknown options {options - known}"


def test_every_documented_make_target_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"(?m)^([a-z][a-z0-9-]*):", makefile))
    named = {t for doc in DOCS for t in MAKE.findall(doc.read_text(encoding="utf-8"))}
    assert named and named <= targets, named - targets
