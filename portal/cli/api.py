"""``create-api-key``: a company's API key, printed once (only a hash is kept)."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from portal.cli.params import CLI, CREDITOR, load_creditor
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.services.integration import create_key


@click.command("create-api-key")
@click.option("--creditor", "reference", type=CREDITOR, required=True, help="Creditor id or CNPJ.")
@click.option("--name", default="Integração", show_default=True, help="A label for the key.")
@with_appcontext
def create_api_key_command(reference: tuple[str, Any], name: str) -> None:
    """Create an API key for a creditor and print it (shown this once; only a hash is kept)."""
    creditor = load_creditor(reference)
    with unit_of_work(db.session):
        key, secret = create_key(db.session, creditor.id, name, actor=CLI)
    click.echo(secret)
    click.echo(
        f"({key.prefix}… for {creditor.display_name}; store it now, it is not shown again)",
        err=True,
    )
