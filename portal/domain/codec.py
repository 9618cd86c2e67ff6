"""Canonical JSON for the engine's frozen dataclasses, and the typed way back.

Encoding rules (they define the bytes the offer digest is computed over, so they are frozen):

* a dataclass becomes an object of its fields; keys are sorted, separators are ``,`` and ``:``
  with no whitespace, non-ASCII characters are ``\\u`` escaped, NaN/Infinity are refused;
* ``int``, ``bool``, ``str`` and ``None`` stay as they are; enums become their value;
* ``Decimal`` becomes a string in plain notation without trailing zeros (``Decimal("2.50")`` →
  ``"2.5"``, ``Decimal("1E+2")`` → ``"100"``), so equal numbers always encode the same way;
* ``date`` becomes ``"YYYY-MM-DD"``; tuples become arrays.

Decoding is driven by the dataclass type hints (``int``, ``str``, ``bool``, ``Decimal``, ``date``,
enums, nested dataclasses, ``tuple[X, ...]``, fixed tuples, ``X | None`` and ``int | str``) and is
strict: a wrong JSON type, a missing or an unknown key raises ``ValueError``.
"""

import dataclasses
import functools
import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar, cast

T = TypeVar("T")


def decimal_text(value: Decimal) -> str:
    """Plain-notation text of a finite Decimal without trailing fractional zeros."""
    if not value.is_finite():
        raise ValueError("non-finite Decimal")
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_primitive(value: object) -> Any:
    """``value`` as JSON-ready primitives (see the module docstring for the rules)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_primitive(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [to_primitive(item) for item in value]
    raise TypeError(f"cannot encode {type(value).__name__}")


def canonical_json(value: object) -> str:
    """The canonical JSON text of ``value``."""
    return json.dumps(
        to_primitive(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )


def _expect(data: object, kind: type | tuple[type, ...]) -> None:
    if not isinstance(data, kind) or (isinstance(data, bool) and kind is int):
        raise ValueError(f"expected {kind}, got {type(data).__name__}")


def _decode_union(args: tuple[Any, ...], data: object) -> object:
    if data is None:
        if type(None) in args:
            return None
        raise ValueError("unexpected null")
    for arg in args:
        if arg is not type(None) and (arg not in (int, str) or _matches(arg, data)):
            return from_primitive(arg, data)
    raise ValueError(f"no union member accepts {type(data).__name__}")


def _matches(kind: type, data: object) -> bool:
    return isinstance(data, kind) and not isinstance(data, bool)


@functools.cache
def _fields(cls: type) -> tuple[tuple[tuple[str, Any], ...], frozenset[str]]:
    """Each field's name and resolved type hint, once per class: ``typing.get_type_hints``
    evaluates every annotation string again on each call (a dataclass's fields never change)."""
    hints = typing.get_type_hints(cls)
    fields = tuple((field.name, hints[field.name]) for field in dataclasses.fields(cls))
    return fields, frozenset(name for name, _ in fields)


def _decode_dataclass(cls: type, data: object) -> object:
    _expect(data, dict)
    mapping = cast(dict[str, object], data)
    fields, names = _fields(cls)
    if mapping.keys() != names:
        raise ValueError(f"{cls.__name__}: fields {sorted(set(mapping) ^ names)}")
    return cls(**{name: from_primitive(hint, mapping[name]) for name, hint in fields})


def from_primitive(tp: Any, data: object) -> object:
    """Decode JSON primitives ``data`` into an instance of the type ``tp``."""
    origin = typing.get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        return _decode_union(typing.get_args(tp), data)
    if origin is tuple:
        _expect(data, list)
        items = cast(list[object], data)
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_primitive(args[0], item) for item in items)
        if len(args) != len(items):
            raise ValueError("tuple length mismatch")
        return tuple(from_primitive(arg, item) for arg, item in zip(args, items, strict=True))
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(cast(type, tp), data)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is Decimal:
        _expect(data, str)
        number = Decimal(cast(str, data))
        if not number.is_finite():
            raise ValueError("non-finite Decimal")
        return number
    if tp is date:
        _expect(data, str)
        return date.fromisoformat(cast(str, data))
    if tp in (bool, int, str):
        _expect(data, tp)
        return data
    raise TypeError(f"cannot decode {tp!r}")


def decode(cls: type[T], data: object) -> T:
    """Decode ``data`` into ``cls`` (a dataclass type)."""
    return cast(T, from_primitive(cls, data))
