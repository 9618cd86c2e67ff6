"""``flask --app portal …`` commands. Each opens one unit of work and commits once."""

from __future__ import annotations

import click
import pyotp
import qrcode
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.auth.tokens import reminder_link_url
from portal.domain.documents import InvalidDocument, format_document, normalise_cnpj
from portal.extensions import db
from portal.models import (
    ActorType,
    Channel,
    Creditor,
    Debtor,
    ItemStatus,
    PendingItem,
    StaffRole,
    StaffUser,
)
from portal.services.access import find_debtors, issue_reminder_link
from portal.services.clock import now_utc, today_br
from portal.services.context import Actor
from portal.services.demo_data import DEMO_STAFF, seed_demo, seed_demo_staff
from portal.services.staff import StaffError, create_staff

CLI = Actor(ActorType.SYSTEM, "cli")


def register_cli(app: Flask) -> None:
    from portal.cli_api import create_api_key_command, deliver_webhooks_command
    from portal.cli_import import import_items_command
    from portal.cli_reminders import reminders_group

    jobs_group.add_command(deliver_webhooks_command)
    for command in (
        create_api_key_command,
        import_items_command,
        seed_demo_command,
        demo_info_command,
        demo_totp_command,
        issue_link_command,
        create_staff_command,
        jobs_group,
        reminders_group,
    ):
        app.cli.add_command(command)


def _development_only() -> None:
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("demo commands are not available in production")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo creditors, debtors and pendências (idempotent)."""
    _development_only()
    report = seed_demo(db.session, today_br())
    seed_demo_staff(db.session)
    from portal.services.articles import load_bundled

    articles = load_bundled(db.session, actor=CLI, now=now_utc())
    from portal.services.regua.demo import seed_demo_rulers

    rulers = seed_demo_rulers(db.session)
    db.session.commit()
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
        click.echo(f"{debtor.name:<32} {format_document(debtor.document):<16} {debtor.email}")
    if len(report.debtors) > 8:
        click.echo(f"… e mais {len(report.debtors) - 8} devedores.")


def _creditor_for(debtor: Debtor, cnpj: str | None) -> Creditor:
    if cnpj:
        try:
            creditor = db.session.scalar(
                sa.select(Creditor).where(Creditor.cnpj == normalise_cnpj(cnpj))
            )
        except InvalidDocument:
            raise click.BadParameter("CNPJ inválido", param_hint="--creditor") from None
        if creditor is None:
            raise click.BadParameter("nenhuma empresa com este CNPJ", param_hint="--creditor")
        return creditor
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


def _issue(document: str, channel: str, days: int, cnpj: str | None) -> tuple[str, Debtor]:
    debtors = find_debtors(db.session, document)
    if not debtors or "@" in document:
        raise click.BadParameter("nenhum devedor com este CPF/CNPJ", param_hint="CPF")
    debtor = debtors[0]
    _link, token = issue_reminder_link(
        db.session,
        debtor,
        _creditor_for(debtor, cnpj),
        channel=Channel(channel),
        days=days,
        max_days=current_app.config["ACCESS_LINK_MAX_DAYS"],
        actor=CLI,
        now=now_utc(),
    )
    db.session.commit()
    return reminder_link_url(token), debtor


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
    "cnpj",
    default=None,
    help="CNPJ of the creditor (default: the one with most open items).",
)
@with_appcontext
def issue_link_command(document: str, channel: str, days: int | None, cnpj: str | None) -> None:
    """Issue an access link for a debtor's CPF/CNPJ and print its URL."""
    days = days or current_app.config["ACCESS_LINK_DEFAULT_DAYS"]
    if days > current_app.config["ACCESS_LINK_MAX_DAYS"]:
        raise click.BadParameter("above ACCESS_LINK_MAX_DAYS", param_hint="--days")
    url, _debtor = _issue(document, channel, days, cnpj)
    click.echo(url)


@click.command("create-staff")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option(
    "--role", type=click.Choice([r.value for r in StaffRole]), default="agent", show_default=True
)
@click.option("--creditor", "cnpjs", multiple=True, help="CNPJ of a creditor in scope (repeat).")
@click.option("--all-creditors", is_flag=True, help="Scope over every creditor.")
@click.password_option("--password", help="At least 12 characters (prompted when omitted).")
@with_appcontext
def create_staff_command(
    name: str, email: str, role: str, cnpjs: tuple[str, ...], all_creditors: bool, password: str
) -> None:
    """Create a staff member and print the TOTP secret to load in an authenticator app."""
    creditors = []
    for cnpj in cnpjs:
        try:
            creditor = db.session.scalar(
                sa.select(Creditor).where(Creditor.cnpj == normalise_cnpj(cnpj))
            )
        except InvalidDocument:
            raise click.BadParameter(f"CNPJ inválido: {cnpj}", param_hint="--creditor") from None
        if creditor is None:
            raise click.BadParameter(f"nenhuma empresa com CNPJ {cnpj}", param_hint="--creditor")
        creditors.append(creditor)
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
    db.session.commit()
    click.echo(f"Staff member {new.user.email} created ({role}).")
    click.echo("Scan this in an authenticator app (shown once):")
    code = qrcode.QRCode(border=1)
    code.add_data(new.totp_uri)
    code.print_ascii(invert=True)
    click.echo(f"Or type the secret: {new.user.totp_secret}")


@click.command("demo-totp")
@with_appcontext
def demo_totp_command() -> None:
    """Print the current authenticator code of the demo staff member (development only)."""
    _development_only()
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == DEMO_STAFF["email"]))
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
        url, debtor = _issue(debtor.document, "sms", 7, None)
        click.echo("")
        click.echo(f"  Link de acesso de {debtor.name} (como num SMS de lembrete):")
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
    click.echo(f"    e-mail {DEMO_STAFF['email']}, senha {DEMO_STAFF['password']}")
    click.echo("    código do autenticador: flask --app portal demo-totp")
    click.echo(f"  Saúde do serviço: {base}/healthz")
    click.echo(f"  API das empresas: {base}/api/v1/docs (docs/api.md)")
    click.echo("    chave de teste: flask --app portal create-api-key --creditor 1")
    click.echo(f"  Educação financeira: {base}/aprenda")
    click.echo("")


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
    from portal.services.jobs import run_due_transitions

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
    from portal.services.clock import now_utc
    from portal.services.payments import expire_attempts, reconcile

    expired = expire_attempts(db.session, now_utc())
    db.session.commit()
    counts = reconcile(db.session, now_utc())
    db.session.commit()
    click.echo(
        f"{expired} tentativas vencidas; {counts['events']} eventos não entregues e "
        f"{counts['checked']} pagamentos em aberto conferidos; {counts['applied']} "
        "atualizações aplicadas."
    )
