"""portal/log.py: nothing personal or secret reaches the logs."""

from __future__ import annotations

import json
import logging

import pytest

from portal.log import ScrubFilter, configure_logging, scrub


@pytest.mark.parametrize(
    ("line", "must_not_contain", "must_contain"),
    [
        ("debtor 529.982.247-25 logged in", "529.982", "***.982.247-**"),
        ("document 52998224725 found", "52998224725", "[number]"),
        ("GET /entrar/Xk3v9QmT0pLr8sWz2bYc4dEf6g HTTP/1.1", "Xk3v9QmT0pL", "/entrar/[redacted]"),
        ("sent to maria.souza@example.com", "maria.souza", "m***@example.com"),
        ("phone +5511987654321", "987654321", "[number]"),
        ("company 11.222.333/0001-81", "11.222.333", "**.***.***/****-**"),
    ],
)
def test_scrub(line: str, must_not_contain: str, must_contain: str) -> None:
    cleaned = scrub(line)
    assert must_not_contain not in cleaned
    assert must_contain in cleaned


def test_scrub_keeps_ordinary_text() -> None:
    line = "agreement 42 accepted with 12 installments of R$ 100,00"
    assert scrub(line) == line


def test_filter_scrubs_arguments_too() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "login %s", ("529.982.247-25",), None
    )
    ScrubFilter().filter(record)
    assert "529.982.247-25" not in record.getMessage()


def test_json_lines_carry_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "INFO")
    logging.getLogger("portal.test").info("hello %s", "529.982.247-25")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "hello ***.982.247-**"
    assert record["level"] == "INFO"
    assert record["request_id"] == "-"
    configure_logging("text", "INFO")


def test_the_e2e_log_scan_catches_what_it_looks_for() -> None:
    """The scan run on every e2e server's log (scenario 39) is not vacuous."""
    from tests.e2e.conftest import assert_no_secrets_in_log

    assert_no_secrets_in_log("GET /a/[redacted] 200 ***.104.211-** 2026-11-25 08:00:18")
    for leak in (
        "debtor 037.104.211-95 signed in",
        "cpf=03710421195",
        "GET /a/J72kBBEHtngwm-gmst4i2O HTTP/1.1",
        "key dpk_Jm3abcdefghijklmnopqrstuv",
    ):
        with pytest.raises(AssertionError):
            assert_no_secrets_in_log(leak)


def test_link_tokens_without_digits_are_masked_too() -> None:
    """Found by the e2e log scan: ~2 % of 22-character tokens have no digit at all."""
    from portal.log import scrub

    line = 'GET /a/jfLGDogiXkZSCCJH_qedlO HTTP/1.1" 200; GET /entrar/' + "x" * 43
    assert scrub(line) == 'GET /a/[redacted] HTTP/1.1" 200; GET /entrar/[redacted]'
