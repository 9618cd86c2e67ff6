"""portal/log.py: nothing personal or secret reaches the logs."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import DBAPIError

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


def test_the_log_scan_catches_what_it_looks_for() -> None:
    """The scan run on every e2e server's log and on the suite's (scenario 39) is not vacuous."""
    from tests.log_scan import assert_no_secrets_in_log

    assert_no_secrets_in_log(
        "GET /a/[redacted] 200 ***.104.211-** 2026-11-25 08:00:18 to m***@example.com "
        "[phone] [number] agreement 42: 12 installments of R$ 1.234,56"
    )
    for leak in (
        "debtor 037.104.211-95 signed in",
        "cpf=03710421195",
        "GET /a/J72kBBEHtngwm-gmst4i2O HTTP/1.1",
        "key dpk_Jm3abcdefghijklmnopqrstuv",
        "sent to maria.souza@example.com",
        "phone (11) 98765-4321",
        "phone +5511987654321",
        "stripe sk_test_abcdefghijklmnop1234",
    ):
        with pytest.raises(AssertionError):
            assert_no_secrets_in_log(leak)
        assert_no_secrets_in_log(scrub(leak))  # and the masking removes each of them


def test_the_suite_log_is_recorded_as_production_writes_it() -> None:
    """The plugin in tests/log_scan.py sees every record, formatted and masked as JSON."""
    from tests.log_scan import recorder

    scan = recorder()
    assert scan is not None
    before, leaks = scan.records, len(scan.leaks)
    logging.getLogger("portal.test").warning("to %s", "maria.souza@example.com")
    assert scan.records == before + 1
    assert len(scan.leaks) == leaks  # masked: nothing found


def test_link_tokens_without_digits_are_masked_too() -> None:
    """Found by the e2e log scan: ~2 % of 22-character tokens have no digit at all."""
    from portal.log import scrub

    line = 'GET /a/jfLGDogiXkZSCCJH_qedlO HTTP/1.1" 200; GET /entrar/' + "x" * 43
    assert scrub(line) == 'GET /a/[redacted] HTTP/1.1" 200; GET /entrar/[redacted]'


# --- issue 12: tracebacks, database errors and Celery never print personal data ---------

LEAKS = ("529.982.247-25", "52998224725", "maria.souza@example.com", "(11) 98765-4321")


def _last_lines(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_tracebacks_are_masked_like_messages(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    configure_logging(log_format, "INFO")
    try:
        try:
            raise ValueError(
                "DETAIL: Key (document)=(52998224725) already exists; "
                "maria.souza@example.com, (11) 98765-4321, 529.982.247-25"
            )
        except ValueError:
            logging.getLogger("portal.test").exception("unhandled error")
        output = _last_lines(capsys)
    finally:
        configure_logging("text", "INFO")
    assert "Traceback" in output and "ValueError" in output
    for leak in LEAKS:
        assert leak not in output, leak
    if log_format == "json":
        record = json.loads(output.strip().splitlines()[-1])
        assert "[number]" in record["exc_info"]


def test_database_errors_never_quote_parameters(app: Flask) -> None:
    """``hide_parameters``: a failing statement's text (logged with the traceback) has no values."""
    from portal.extensions import db

    with app.app_context():
        assert db.engine.hide_parameters
        with db.engine.connect() as connection:
            with pytest.raises(DBAPIError) as caught:
                connection.execute(
                    sa.text("SELECT * FROM no_such_table WHERE email = :email"),
                    {"email": "maria.souza@example.com"},
                )
            connection.rollback()
    assert "maria.souza" not in str(caught.value)
    assert "parameters hidden" in str(caught.value)


def test_celery_task_arguments_and_results_are_not_logged(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: ``Task portal.send_email succeeded`` carried the recipient in clear."""
    from portal.extensions import celery

    @celery.task(name="tests.echo_recipient", shared=False)
    def echo(to: str, context: dict[str, str]) -> str:
        return f"{context['first_name']} <{to}>"

    configure_logging("json", "INFO")
    try:
        with app.app_context():
            result = echo.apply(args=("maria.souza@example.com", {"first_name": "Mariazinha"}))
        assert result.get(disable_sync_subtasks=False) == "Mariazinha <maria.souza@example.com>"
        output = _last_lines(capsys)
    finally:
        configure_logging("text", "INFO")
    succeeded = [
        json.loads(line) for line in output.splitlines() if "succeeded" in line and "{" in line
    ]
    assert succeeded, output  # the record is there, only without the data
    assert "Mariazinha" not in output and "maria.souza" not in output
    assert succeeded[-1]["message"].endswith(": [hidden]")
    assert succeeded[-1]["data"]["args"] == "[hidden]"


def test_a_celery_worker_keeps_the_masking_handler() -> None:
    """The worker would replace the root logger's handlers (and our masking) with its own."""
    from portal.extensions import celery

    configure_logging("json", "INFO")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_portal", False)]
    saved = celery.log.already_setup
    celery.log.already_setup = False
    try:
        celery.log.setup_logging_subsystem(loglevel="INFO")
        assert [h for h in logging.getLogger().handlers if getattr(h, "_portal", False)] == ours
    finally:
        celery.log.already_setup = saved
        configure_logging("text", "INFO")


def test_phones_as_people_write_them_are_masked() -> None:
    for phone in ("(11) 98765-4321", "+55 11 98765-4321", "11 98765-4321", "(21) 3456-7890"):
        assert scrub(f"call {phone} now") == "call [phone] now", phone
    assert scrub("2026-11-25 08:00:18 paid 12 of 24") == "2026-11-25 08:00:18 paid 12 of 24"
