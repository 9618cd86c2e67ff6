"""Scenario 39 and issue 12: no personal data or secret in any log, checked on real logs.

:func:`find_leaks` looks for full CPFs, e-mail addresses, phone numbers, link tokens and
keys. It runs on every e2e server's whole log (tests/e2e/conftest.py) and, through this
pytest plugin, on every log record of the suite run itself: each record is formatted as
the portal writes it in production (JSON, same filters and formatter) and scanned; any
leak fails the run and is listed in the summary with the test that logged it.

The patterns are deliberately independent of ``portal/log.py``'s: they describe what must
never be seen, not how the masking works.
"""

from __future__ import annotations

import logging
import os
import re
import threading

import pytest

_CPF_SHAPED = re.compile(r"(?<![\d.])(\d{3}\.?\d{3}\.?\d{3}-?\d{2})(?![\d.])")
_SECRETS = re.compile(
    r"/a/[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])|/entrar/[A-Za-z0-9_-]{43}|dpk_[A-Za-z0-9_-]{20}"
    r"|whsec_[A-Za-z0-9+/=]{20}|sk_(?:test|live)_[A-Za-z0-9_]{16}"
)
# A whole local part: masked addresses keep one character and ``***`` (m***@example.com).
_EMAIL = re.compile(r"(?<![\w.%+*-])[A-Za-z0-9._%+-]{2,}@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
# Brazilian phones: DDD and 8-9 digits, written or run together (with or without +55).
_PHONE = re.compile(
    r"(?<![\w.])(?:\+?55\s?)?\(?\d{2}\)?\s?9?\d{4}-\d{4}(?![\w])"
    r"|(?<![\w.])\+?(?:55)?\d{2}9?\d{8}(?![\w.])"
)


def find_leaks(text: str) -> list[str]:
    """What in ``text`` is a full CPF, an e-mail, a phone, a link token or a key (shortened)."""
    from validate_docbr import CPF

    checker = CPF()
    leaks = [f"CPF {m[:5]}…" for m in _CPF_SHAPED.findall(text) if checker.validate(m)]
    leaks += [f"secret {m[:12]}…" for m in _SECRETS.findall(text)]
    leaks += [f"e-mail {m[:4]}…" for m in _EMAIL.findall(text)]
    leaks += [f"phone {m[:6]}…" for m in _PHONE.findall(text)]
    return leaks


def assert_no_secrets_in_log(text: str) -> None:
    """Scenario 39 on a real server's whole log."""
    leaks = find_leaks(text)
    assert not leaks, f"personal data or secrets in the log: {leaks[:5]}"


class _Recorder(logging.Handler):
    """Formats every record as the portal's production handler would, and scans it."""

    def __init__(self) -> None:
        from portal.log import build_handler

        super().__init__()
        template = build_handler("json")
        for log_filter in template.filters:
            self.addFilter(log_filter)
        self.setFormatter(template.formatter)
        self.records = 0
        self.leaks: list[tuple[str, str, list[str]]] = []
        self._count_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        found = find_leaks(line)
        with self._count_lock:
            self.records += 1
            if found:
                test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" ", 1)[0]
                self.leaks.append((test, record.name, found))


_recorder: _Recorder | None = None


def recorder() -> _Recorder | None:
    return _recorder


def pytest_sessionstart(session: pytest.Session) -> None:
    global _recorder
    _recorder = _Recorder()
    logging.getLogger().addHandler(_recorder)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _recorder is None:
        return
    logging.getLogger().removeHandler(_recorder)
    if _recorder.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _recorder is None:
        return
    if not _recorder.leaks:
        terminalreporter.write_line(
            f"log scan: {_recorder.records} log records, no personal data or secret"
        )
        return
    terminalreporter.section("personal data or secrets in the suite's log", red=True)
    for test, logger, found in _recorder.leaks[:50]:
        terminalreporter.write_line(f"{test}  [{logger}]  {', '.join(found[:3])}")
