"""The codec resolves a dataclass's type hints once per class, not on every decode."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from portal.domain import codec


@dataclass(frozen=True)
class _Line:
    amount: Decimal
    due: date
    note: str | None


@dataclass(frozen=True)
class _Plan:
    name: str
    lines: tuple[_Line, ...]


def test_type_hints_are_resolved_once_per_class(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[type] = []
    real = typing.get_type_hints

    def counting(cls: type) -> dict[str, object]:
        calls.append(cls)
        return real(cls)

    codec._fields.cache_clear()
    monkeypatch.setattr(codec.typing, "get_type_hints", counting)
    data = {
        "name": "p",
        "lines": [
            {"amount": "1.5", "due": "2026-01-31", "note": None},
            {"amount": "2", "due": "2026-02-28", "note": "x"},
        ],
    }
    first = codec.decode(_Plan, data)
    for _ in range(3):
        assert codec.decode(_Plan, data) == first
    assert sorted(c.__name__ for c in calls) == ["_Line", "_Plan"]
    assert first.lines[1] == _Line(Decimal("2"), date(2026, 2, 28), "x")


def test_a_missing_or_unknown_key_is_still_refused_with_the_cache() -> None:
    good = {"amount": "1", "due": "2026-01-31", "note": None}
    codec.decode(_Line, good)
    with pytest.raises(ValueError, match=r"_Line: fields \['note'\]"):
        codec.decode(_Line, {"amount": "1", "due": "2026-01-31"})
    with pytest.raises(ValueError, match=r"_Line: fields \['extra'\]"):
        codec.decode(_Line, {**good, "extra": 1})
