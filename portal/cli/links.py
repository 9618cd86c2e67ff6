"""``issue-link``: an access link for a debtor and one company, printed for support staff.

The link opens only what the debtor has with that company (``--creditor``, or the company
with most open items); a session opened with it sees nothing of any other company.
"""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.params import CLI, CREDITOR, load_creditor
from portal.core.clock import now_utc
from portal.core.tokens import reminder_link_url
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.models import Channel, Creditor, CreditorDebtor, Debtor, ItemStatus, PendingItem
from portal.services.access import find_debtors, issue_reminder_link, relationship


def _creditor_for(debtor: Debtor, reference: tuple[str, Any] | None) -> Creditor:
    """The link's company: it opens only what the debtor has with this one company."""
    if reference is not None:
        chosen = load_creditor(reference)
        if relationship(db.session, chosen.id, debtor.id) is None:
            raise click.BadParameter(
                "esta empresa não tem este devedor na carteira", param_hint="--creditor"
            )
        return chosen
    creditor = db.session.scalar(
        sa.select(Creditor)
        .join(PendingItem, PendingItem.creditor_id == Creditor.id)
        .where(PendingItem.debtor_id == debtor.id, PendingItem.status == ItemStatus.OPEN)
        .group_by(Creditor.id)
        .order_by(sa.func.count(PendingItem.id).desc(), Creditor.id)
        .limit(1)
    )
    if creditor is None:
        raise click.ClickException("o devedor não tem pendências em aberto; use --creditor")
    return creditor


def issue_for(
    document: str, channel: str, days: int, creditor: tuple[str, Any] | None
) -> tuple[str, CreditorDebtor]:
    """Issue a reminder link for the debtor with ``document`` (one unit of work); returns its
    URL and the debtor as the link's company knows them."""
    debtors = find_debtors(db.session, document)
    if not debtors or "@" in document:
        raise click.BadParameter("nenhum devedor com este CPF/CNPJ", param_hint="CPF")
    debtor = debtors[0]
    company = _creditor_for(debtor, creditor)
    with unit_of_work(db.session):
        _link, token = issue_reminder_link(
            db.session,
            debtor,
            company,
            channel=Channel(channel),
            days=days,
            max_days=current_app.config["ACCESS_LINK_MAX_DAYS"],
            actor=CLI,
            now=now_utc(),
        )
    return reminder_link_url(token), db.session.get_one(CreditorDebtor, (company.id, debtor.id))


@click.command("issue-link")
@click.argument("document")
@click.option(
    "--channel",
    type=click.Choice(["email", "sms", "whatsapp"]),
    default="sms",
    show_default=True,
    help="Where the link will be sent.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 30),
    default=None,
    help="Validity in days (default ACCESS_LINK_DEFAULT_DAYS, at most 30).",
)
@click.option(
    "--creditor",
    type=CREDITOR,
    default=None,
    help="Id or CNPJ of the creditor (default: the one with most open items).",
)
@with_appcontext
def issue_link_command(
    document: str, channel: str, days: int | None, creditor: tuple[str, Any] | None
) -> None:
    """Issue an access link for a debtor's CPF/CNPJ and print its URL."""
    days = days or current_app.config["ACCESS_LINK_DEFAULT_DAYS"]
    if days > current_app.config["ACCESS_LINK_MAX_DAYS"]:
        raise click.BadParameter("above ACCESS_LINK_MAX_DAYS", param_hint="--days")
    url, _debtor = issue_for(document, channel, days, creditor)
    click.echo(url)
