"""``flask reminders run`` on the demo data: quiet at 07:00, messages at 10:00, once only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from portal.adapters.email.outbox import OutboxEmailSender, list_outbox
from portal.adapters.messaging.provider import OutboxTextProvider
from portal.core.clock import today_br
from portal.demo.data import seed_demo
from portal.domain.calendar import anbima_calendar
from portal.extensions import db
from portal.services.regua.demo import seed_demo_rulers

LINE = "sent={} skipped_quiet_hours={} skipped_cap={} skipped_opt_out={}"


def _counts(output: str) -> dict[str, int]:
    last = output.strip().splitlines()[-1]
    pairs = dict(part.split("=") for part in last.split())
    assert list(pairs) == ["sent", "skipped_quiet_hours", "skipped_cap", "skipped_opt_out"]
    return {k: int(v) for k, v in pairs.items()}


def test_demo_data_scenario(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outbox = tmp_path / "outbox"
    monkeypatch.setitem(app.extensions, "email_sender", OutboxEmailSender(outbox))
    monkeypatch.setitem(app.extensions, "text_provider", OutboxTextProvider(str(outbox)))
    with app.app_context():
        seed_demo(db.session, today_br())
        assert seed_demo_rulers(db.session) == 3
        db.session.commit()
    weekday = anbima_calendar().following(today_br() + timedelta(days=1))
    runner = app.test_cli_runner()

    def reminders(*args: str) -> dict[str, int]:
        result = runner.invoke(args=["reminders", "run", *args])
        assert result.exit_code == 0, result.output
        return _counts(result.output)

    early = reminders("--at", f"{weekday}T07:00-03:00", "--dry-run")
    assert early["sent"] == 0 and early["skipped_quiet_hours"] > 0
    planned = reminders("--at", f"{weekday}T10:00-03:00", "--dry-run")
    assert planned["sent"] > 0 and planned["skipped_quiet_hours"] == 0
    assert list_outbox(outbox) == []
    sent = reminders("--at", f"{weekday}T10:00-03:00")
    assert sent == planned
    assert len(list_outbox(outbox)) == sent["sent"]
    again = reminders("--at", f"{weekday}T10:00-03:00")
    assert again["sent"] == 0
    assert len(list_outbox(outbox)) == sent["sent"]


def test_a_bad_instant_is_a_clear_usage_error(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["reminders", "run", "--at", "segunda 10h"])
    assert result.exit_code == 2 and "ISO 8601" in result.output


def test_an_instant_without_offset_is_brasilia_time(app: Flask) -> None:
    """10:00 read as Brasília time is inside the window; read as UTC (07:00 BRT) it is not."""
    from tests.services.regua.conftest import MONDAY, company, item_due

    with app.app_context():
        creditor, _ = company()
        item_due(creditor, MONDAY - timedelta(days=3))
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["reminders", "run", "--at", f"{MONDAY}T10:00", "--dry-run"]
    )
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == LINE.format(1, 0, 0, 0)
