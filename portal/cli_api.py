"""``flask --app portal create-api-key`` and ``jobs webhooks``: the integration by hand."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.extensions import db
from portal.models import ActorType, Creditor
from portal.services.context import Actor

CLI = Actor(ActorType.SYSTEM, "cli")


@click.command("create-api-key")
@click.option("--creditor", "creditor_ref", required=True, help="Creditor id or CNPJ.")
@click.option("--name", default="Integração", show_default=True, help="A label for the key.")
@with_appcontext
def create_api_key_command(creditor_ref: str, name: str) -> None:
    """Create an API key for a creditor and print it (shown this once; only a hash is kept)."""
    from portal.services.api_keys import create_key

    digits = "".join(ch for ch in creditor_ref if ch.isdigit())
    creditor = None
    if digits and len(digits) < 14:
        creditor = db.session.get(Creditor, int(digits))
    elif digits:
        creditor = db.session.scalar(sa.select(Creditor).where(Creditor.cnpj == digits))
    if creditor is None:
        raise click.ClickException(f"no creditor {creditor_ref!r}")
    key, secret = create_key(db.session, creditor.id, name, actor=CLI)
    db.session.commit()
    click.echo(secret)
    click.echo(
        f"({key.prefix}… for {creditor.display_name}; store it now, it is not shown again)",
        err=True,
    )


@click.command("webhooks")
@with_appcontext
def deliver_webhooks_command() -> None:
    """Send webhook deliveries whose retry time has come (Celery beat does it every minute)."""
    from portal.tasks import deliver_due_webhooks_task

    sent = deliver_due_webhooks_task.run()
    click.echo(f"{sent} entregas tentadas.")
