"""``jobs …``: the periodic work Celery beat runs in production, by hand."""

from __future__ import annotations

from contextlib import nullcontext

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.after_commit import wait_for_background_tasks
from portal.core.clock import now_utc, today_br
from portal.core.uow import unit_of_work, unit_per_step
from portal.extensions import celery, db
from portal.services.integration import webhooks
from portal.services.negotiation import run_due_transitions
from portal.services.payments import expire_attempts, reconcile
from portal.services.payments.recurring_charges import pix_automatico_steps


@click.group("jobs")
def jobs_group() -> None:
    """Scheduled work (also run by Celery beat in production)."""


@jobs_group.command("run-due")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate as of this date (default: today in Brasília).",
)
@with_appcontext
def run_due_command(on: object) -> None:
    """Lapse or break agreements whose schedule says so; one commit per agreement."""
    today = on.date() if on is not None else today_br()  # type: ignore[attr-defined]
    counts = run_due_transitions(today)
    click.echo(
        f"{counts['checked']} acordos verificados: {counts['lapsed']} não iniciados, "
        f"{counts['broken']} encerrados por atraso."
    )


@jobs_group.command("reconcile")
@with_appcontext
def reconcile_command() -> None:
    """Expire stale payment attempts and settle what the provider's webhooks missed."""
    with unit_of_work(db.session):
        expired = expire_attempts(db.session, now_utc())
    with unit_of_work(db.session):
        counts = reconcile(db.session, now_utc())
    click.echo(
        f"{expired} tentativas vencidas; {counts['events']} eventos não entregues e "
        f"{counts['checked']} pagamentos em aberto conferidos; {counts['applied']} "
        "atualizações aplicadas."
    )


@jobs_group.command("pix-automatico")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate as of this date (default: today in Brasília).",
)
@with_appcontext
def pix_automatico_command(on: object) -> None:
    """Pix Automático: send the charges due in their window and apply what was collected."""
    today = on.date() if on is not None else today_br()  # type: ignore[attr-defined]
    # Embedded default (eager Celery): a task queued outside a request runs inside the commit
    # hook, where the session cannot be used, and a receipt would never render. Run the job as
    # a request would (tasks on the background thread) and wait for them before exiting.
    eager = celery.conf.task_always_eager
    with current_app.test_request_context() if eager else nullcontext():
        done = [
            action
            for step in unit_per_step(pix_automatico_steps(db.session, today, now_utc()))
            for action in step
        ]
    if eager:
        wait_for_background_tasks(timeout=120)
    created = done.count("charge_created")
    collected = sum(action.startswith("collected_") for action in done)
    failed = sum(action in ("charge_retry", "charge_failed") for action in done)
    click.echo(
        f"Pix Automático: {created} cobranças enviadas, {collected} recebidas, {failed} falharam."
    )


@jobs_group.command("webhooks")
@with_appcontext
def deliver_webhooks_command() -> None:
    """Send webhook deliveries whose retry time has come (Celery beat does it every minute)."""
    sender = current_app.extensions["webhook_sender"]
    due = webhooks.due_deliveries(db.session, now_utc())
    for delivery_id in due:
        with unit_of_work(db.session):
            webhooks.deliver(db.session, delivery_id, sender=sender, now=now_utc())
    click.echo(f"{len(due)} entregas tentadas.")
