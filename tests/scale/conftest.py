"""``scale`` tests start the whole local cluster (HAProxy, gunicorn, Celery): they run only
when asked for (``pytest -m scale``, ``make test-scale``), never in the ordinary suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


def _asked_for(markexpr: str) -> bool:
    """True when ``-m`` selects the scale tests (``scale``, ``scale and not slow``…)."""
    if not markexpr:
        return False
    from _pytest.mark.expression import Expression

    expression = Expression.compile(markexpr)
    selects_scale = expression.evaluate(lambda name, **_: name == "scale")
    selects_anything = expression.evaluate(lambda name, **_: False)  # an unmarked test
    return bool(selects_scale and not selects_anything)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = _asked_for(str(config.getoption("markexpr") or ""))
    missing = [tool for tool in ("haproxy",) if shutil.which(tool) is None]
    for item in items:
        if not Path(str(item.path)).is_relative_to(Path(__file__).parent):
            continue
        item.add_marker(pytest.mark.scale)
        if not asked:
            item.add_marker(pytest.mark.skip(reason="scale test: run with -m scale"))
        elif missing:
            item.add_marker(pytest.mark.skip(reason=f"missing {missing}: make haproxy"))
