"""Demo commands (refused in production): ``seed-demo``, ``demo-info``, ``demo-totp``."""

from __future__ import annotations

import click
import pyotp
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.links import issue_for
from portal.cli.params import CLI
from portal.core.clock import now_utc, today_br
from portal.core.uow import unit_of_work
from portal.demo.data import DEMO_ADMIN, DEMO_STAFF, seed_demo, seed_demo_staff
from portal.domain.documents import format_document
from portal.extensions import db
from portal.models import Debtor, StaffUser
from portal.services.learn import load_bundled
from portal.services.regua.demo import seed_demo_rulers


def _development_only() -> None:
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("demo commands are not available in production")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo creditors, debtors and pendências (idempotent)."""
    _development_only()
    with unit_of_work(db.session):
        report = seed_demo(db.session, today_br())
        seed_demo_staff(db.session)
        articles = load_bundled(db.session, actor=CLI, now=now_utc())
        rulers = seed_demo_rulers(db.session)
    created = report.created
    click.echo(
        f"Dados de demonstração: {created['creditors']} credores, {created['debtors']} "
        f"devedores e {created['items']} pendências criados (o que já existia foi mantido)."
    )
    click.echo(f"Artigos de educação financeira: {len(articles)} publicados.")
    click.echo(f"Réguas de cobrança de demonstração publicadas: {rulers}.")
    click.echo("")
    click.echo(f"{'Devedor':<32} {'CPF':<16} E-mail")
    for debtor in report.debtors[:8]:
        contact = report.contacts[debtor.id]
        click.echo(f"{contact.name:<32} {format_document(debtor.document):<16} {contact.email}")
    if len(report.debtors) > 8:
        click.echo(f"… e mais {len(report.debtors) - 8} devedores.")


@click.command("demo-totp")
@click.option("--admin", is_flag=True, help="The demo administrator's code (default: the agent's).")
@with_appcontext
def demo_totp_command(admin: bool) -> None:
    """Print the current authenticator code of a demo staff member (development only)."""
    _development_only()
    email = (DEMO_ADMIN if admin else DEMO_STAFF)["email"]
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
    if user is None:
        raise click.ClickException("run seed-demo first")
    click.echo(pyotp.TOTP(user.totp_secret).now())


@click.command("demo-info")
@with_appcontext
def demo_info_command() -> None:
    """Print how to get into the demo, with a fresh access link for a demo debtor."""
    _development_only()
    base = current_app.config["BASE_URL"]
    debtor = db.session.scalar(sa.select(Debtor).order_by(Debtor.id).limit(1))
    click.echo("")
    click.echo(f"  Portal de demonstração: {base}/")
    if debtor is not None:
        url, contact = issue_for(debtor.document, "sms", 7, None)
        click.echo("")
        click.echo(
            f"  Link de acesso de {contact.name} para {contact.creditor.display_name} "
            "(como num SMS de lembrete; abre só as pendências com essa empresa):"
        )
        click.echo(f"    {url}")
        click.echo(
            f"    Para entrar, confirme os 3 primeiros dígitos do CPF: {debtor.document[:3]}"
        )
        click.echo(
            "    Ou peça um link por e-mail na página inicial com o CPF "
            f"{format_document(debtor.document)}."
        )
    if current_app.config["EMAIL_BACKEND"] == "outbox":
        click.echo("")
        click.echo(f"  E-mails enviados (caixa de saída local): {base}/dev/outbox")
    click.echo("")
    click.echo(f"  Atendimento: {base}/atendimento/entrar")
    click.echo(f"    atendente: e-mail {DEMO_STAFF['email']}, senha {DEMO_STAFF['password']}")
    click.echo("      código do autenticador: flask --app portal demo-totp")
    click.echo(f"    administrador: e-mail {DEMO_ADMIN['email']}, senha {DEMO_ADMIN['password']}")
    click.echo("      código do autenticador: flask --app portal demo-totp --admin")
    click.echo(f"  Saúde do serviço: {base}/healthz")
    click.echo(f"  API das empresas: {base}/api/v1/docs (docs/api.md)")
    click.echo("    chave de teste: flask --app portal create-api-key --creditor 1")
    click.echo("    webhooks nesta máquina: flask --app portal webhook-receiver --port 8765")
    click.echo(
        "      e registre http://127.0.0.1:8765/ (com WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true no "
        ".env: o servidor e os jobs leem o mesmo arquivo)"
    )
    click.echo(f"  Educação financeira: {base}/aprenda")
    click.echo("")
