"""``flask --app portal reminders run [--at ISO8601] [--dry-run]``: the régua by hand.

The same job Celery beat runs every 15 minutes in production. It ends with one line,
``sent=N skipped_quiet_hours=N skipped_cap=N skipped_opt_out=N``; ``--dry-run`` plans and
counts without writing or sending anything (``sent`` is then what would be sent).
"""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from portal.core.clock import BRASILIA, now_utc
from portal.core.uow import unit_per_step
from portal.extensions import db
from portal.services.regua.run import RunReport, reminder_steps


def _instant(raw: str | None) -> datetime:
    if raw is None:
        return now_utc()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(
            "use a data e hora ISO 8601, por exemplo 2026-09-14T10:00-03:00", param_hint="--at"
        ) from None
    # Without an offset, the time is read as Brasília time.
    return value if value.tzinfo is not None else value.replace(tzinfo=BRASILIA)


@click.group("reminders")
def reminders_group() -> None:
    """The régua de cobrança: reminder messages by phase, channel and schedule."""


@reminders_group.command("run")
@click.option("--at", "at_raw", default=None, help="The instant to plan for (ISO 8601).")
@click.option("--dry-run", is_flag=True, help="Plan and count only: nothing is sent or saved.")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=500, show_default=True)
@with_appcontext
def run_command(at_raw: str | None, dry_run: bool, batch_size: int) -> None:
    """Send the reminders due at an instant (now by default)."""
    at = _instant(at_raw)
    report = RunReport()
    steps = reminder_steps(db.session, at, report, dry_run=dry_run, batch_size=batch_size)
    if dry_run:
        for _step in steps:  # nothing written, nothing committed
            pass
        db.session.rollback()
        click.echo("Simulação: nada foi enviado nem gravado.")
    else:
        for _step in unit_per_step(steps, db.session):  # a unit of work per step
            pass
    click.echo(
        f"debtors={report.debtors} failed={report.failed} "
        f"skipped_no_contact={report.skipped_no_contact} stopped={report.stopped}"
    )
    click.echo(report.line())
