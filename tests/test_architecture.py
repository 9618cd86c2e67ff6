"""The shape of the code: no import cycles, contexts talk through public modules, small
modules, one unit of work, and nothing points outside the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = ROOT / "portal" / "services"
MAX_MODULE_LINES = 400


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # grimp reads every import statement, function-level ones included.
    return grimp.build_graph("portal", cache_dir=None)


def strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm over the module graph: every component with more than one module
    (or a module importing itself) is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for target in graph.find_modules_directly_imported_by(module):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph.find_modules_directly_imported_by(module):
                found.append(component)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    fake = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        fake.add_module(name)
    fake.add_import(importer="a.b", imported="a.c")
    fake.add_import(importer="a.c", imported="a.b")
    fake.add_import(importer="a.c", imported="a.d")
    assert strongly_connected(fake) == [{"a.b", "a.c"}]


def test_no_import_cycle_among_portal_modules(graph: grimp.ImportGraph) -> None:
    assert strongly_connected(graph) == []


def _context_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["portal", "services"] and len(parts) >= 3:
        return parts[2]
    return None


def test_contexts_talk_through_each_others_public_module(graph: grimp.ImportGraph) -> None:
    """A context imports another context only as ``portal.services.<other>`` (its
    ``__init__``), never the other's inner modules."""
    leaks = []
    for importer in sorted(graph.modules):
        source = _context_of(importer)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _context_of(imported)
            if target and target != source and imported != f"portal.services.{target}":
                leaks.append(f"{importer} -> {imported}")
    assert leaks == []


def test_every_context_has_a_public_module_and_no_flat_service_module() -> None:
    flat = [p.name for p in CONTEXTS.glob("*.py") if p.name != "__init__.py"]
    assert flat == []
    for package in CONTEXTS.iterdir():
        if package.is_dir() and package.name != "__pycache__":
            assert (package / "__init__.py").read_text().startswith('"""'), package


def test_no_module_over_the_size_limit() -> None:
    big = {
        str(path.relative_to(ROOT)): count
        for path in (ROOT / "portal").rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert big == {}


def test_only_the_unit_of_work_commits() -> None:
    """One unit-of-work mechanism: views, API, tasks and CLI commit through
    ``portal.core.uow``; no module commits a session on its own (a savepoint may)."""
    committing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "portal").rglob("*.py")
        if re.search(r"session(\(\))?\.commit\(", path.read_text())
    )
    assert committing == ["portal/core/uow.py"]


OUTSIDE = re.compile(r"\.\./shared|/work/shared|shared/(notes|vectors|seeds|vendor|DESIGN)")


def test_nothing_points_outside_the_repository() -> None:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pointing = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".pdf", ".mo", ".woff2", ".ico"}:
            continue
        if name == "tests/test_architecture.py":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        pointing += [
            f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)
        ]
    assert pointing == []
