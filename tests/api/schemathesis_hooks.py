"""Schemathesis hooks for /api/v1: strategies for the formats our OpenAPI document declares.

Load with ``SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks st run …`` (the suite does, in
tests/api/test_schemathesis.py). ``cpf-cnpj`` is ours: CPFs and CNPJs whose check digits are
right, with or without punctuation. ``uri`` names hosts this machine resolves (it has no
DNS): a webhook URL must resolve, and the test server allows private addresses.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import strategies as st

_CPF_WEIGHTS = (list(range(10, 1, -1)), list(range(11, 1, -1)))
_CNPJ_WEIGHTS = ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])


def _check_digit(values: list[int], weights: list[int]) -> int:
    rest = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def _cpf(digits: list[int], punctuated: bool) -> str:
    first = _check_digit(digits, _CPF_WEIGHTS[0])
    second = _check_digit([*digits, first], _CPF_WEIGHTS[1])
    text = "".join(map(str, [*digits, first, second]))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}" if punctuated else text


def _cnpj(digits: list[int], punctuated: bool) -> str:
    first = _check_digit(digits, _CNPJ_WEIGHTS[0])
    second = _check_digit([*digits, first], _CNPJ_WEIGHTS[1])
    text = "".join(map(str, [*digits, first, second]))
    if punctuated:
        return f"{text[:2]}.{text[2:5]}.{text[5:8]}/{text[8:12]}-{text[12:]}"
    return text


def _not_repeated(digits: list[int]) -> bool:
    return len(set(digits)) > 1


documents = st.one_of(
    st.builds(
        _cpf,
        st.lists(st.integers(0, 9), min_size=9, max_size=9).filter(_not_repeated),
        st.booleans(),
    ),
    st.builds(
        _cnpj,
        st.lists(st.integers(0, 9), min_size=12, max_size=12).filter(_not_repeated),
        st.booleans(),
    ),
)

_PORT = os.environ.get("PORTAL_TEST_WEBHOOK_PORT", "9")
webhook_urls = st.builds(
    "{}://{}:{}/{}".format,
    st.sampled_from(["https", "http"]),
    st.sampled_from(["localhost", "127.0.0.1"]),
    st.just(_PORT),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/", max_size=20),
)

schemathesis.openapi.format("cpf-cnpj", documents)
schemathesis.openapi.format("uri", webhook_urls)
