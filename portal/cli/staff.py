"""``create-staff``: a support agent or admin, with the TOTP secret to enrol."""

from __future__ import annotations

import sys
from typing import Any

import click
import qrcode
from flask.cli import with_appcontext

from portal.cli.params import CLI, CREDITOR, load_creditor
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.models import StaffRole
from portal.services.backoffice import StaffError, create_staff


@click.command("create-staff")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option(
    "--role", type=click.Choice([r.value for r in StaffRole]), default="agent", show_default=True
)
@click.option(
    "--creditor",
    "references",
    type=CREDITOR,
    multiple=True,
    help="Id or CNPJ of a creditor in scope (repeat).",
)
@click.option("--all-creditors", is_flag=True, help="Scope over every creditor.")
@click.option("--password", default=None, help="At least 12 characters (prompted when omitted).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@with_appcontext
def create_staff_command(
    name: str,
    email: str,
    role: str,
    references: tuple[tuple[str, Any], ...],
    all_creditors: bool,
    password: str | None,
    password_stdin: bool,
) -> None:
    """Create a staff member and print the TOTP secret to load in an authenticator app."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        if not sys.stdin.isatty():
            raise click.UsageError("no terminal to ask for the password: use --password-stdin")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    creditors = [load_creditor(reference) for reference in references]
    with unit_of_work(db.session):
        try:
            new = create_staff(
                db.session,
                name=name,
                email=email,
                password=password,
                role=StaffRole(role),
                creditors=creditors,
                all_creditors=all_creditors,
                actor=CLI,
            )
        except StaffError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Staff member {new.user.email} created ({role}).")
    click.echo("Scan this in an authenticator app (shown once):")
    code = qrcode.QRCode(border=1)
    code.add_data(new.totp_uri)
    code.print_ascii(invert=True)
    click.echo(f"Or type the secret: {new.user.totp_secret}")
