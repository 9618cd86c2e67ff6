"""Builders for the régua service tests: a company with a published ruler, debtors, items."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from portal.adapters.email.outbox import OutboxEmailSender, list_outbox
from portal.adapters.messaging.provider import OutboxTextProvider
from portal.core.context import SYSTEM
from portal.core.uow import unit_per_step
from portal.extensions import db
from portal.models import Creditor, PendingItem, ReguaVersion
from portal.services.regua.demo import demo_steps
from portal.services.regua.rulers import Draft, publish_ruler
from portal.services.regua.run import RunReport, reminder_steps
from tests.factories import create_creditor, create_debtor, create_pending_item

SP = ZoneInfo("America/Sao_Paulo")
MONDAY = date(2026, 9, 14)
TUESDAY = date(2026, 9, 15)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SP) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


@pytest.fixture
def ctx(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An application context for the whole test, with an outbox of its own."""
    outbox = tmp_path / "outbox"
    monkeypatch.setitem(app.extensions, "email_sender", OutboxEmailSender(outbox))
    monkeypatch.setitem(app.extensions, "text_provider", OutboxTextProvider(str(outbox)))
    with app.app_context():
        yield outbox


def outbox(directory: Path) -> list[Any]:
    return list_outbox(directory)


def company(**overrides: Any) -> tuple[Creditor, ReguaVersion]:
    creditor = create_creditor(**overrides)
    version = publish_ruler(db.session, creditor, Draft(demo_steps(), _window()), actor=SYSTEM)
    return creditor, version


def _window() -> Any:
    from portal.domain.regua_hours import SendingWindow

    return SendingWindow()


@dataclass
class World:
    creditor: Creditor
    item: PendingItem


def item_due(creditor: Creditor, due: date, **kw: Any) -> PendingItem:
    values: dict[str, Any] = {"creditor": creditor, "original_due_date": due}
    values.update(kw)
    return create_pending_item(**values)


def run_reminders(
    session: Any,
    moment: datetime,
    *,
    progress: Callable[[RunReport], None] | None = None,
    **kw: Any,
) -> RunReport:
    """The job as its task runs it: a unit of work per step (a dry run commits nothing);
    ``progress`` sees the report after every batch."""
    report = RunReport()
    steps = reminder_steps(session, moment, report, **kw)
    batches = 0
    for _step in steps if kw.get("dry_run") else unit_per_step(steps, session):
        if progress is not None and report.batches > batches:
            batches = report.batches
            progress(report)
    return report


def run(moment: datetime, **kw: Any) -> RunReport:
    return run_reminders(db.session, moment, **kw)


__all__ = ["create_debtor"]
