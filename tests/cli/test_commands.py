"""portal/cli.py: the commands other issues and our checks rely on."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db


def test_seed_demo_prints_debtors_and_is_idempotent(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "3 credores, 24 devedores e 72 pendências criados" in first.output
    assert re.search(
        r"Maria das Graças Souza\s+\d{3}\.\d{3}\.\d{3}-\d{2}\s+maria\.souza@example\.com",
        first.output,
    )
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "0 credores, 0 devedores e 0 pendências criados" in second.output


def test_demo_info_prints_a_working_access_link(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["demo-info"])
    assert result.exit_code == 0, result.output
    assert "https://portal.test.example/" in result.output
    path = re.search(r"https://portal\.test\.example(/a/[A-Za-z0-9_-]{22})", result.output).group(1)
    digits = re.search(r"CPF: (\d{3})", result.output).group(1)
    from tests.access_helpers import form_post, signed_in

    client = app.test_client()
    assert form_post(client, path, {"digits": digits}).status_code == 303
    assert signed_in(client)
    assert "/dev/outbox" in result.output
    code = runner.invoke(args=["demo-totp"]).output.strip()
    assert re.fullmatch(r"\d{6}", code)
    assert "admin@example.com" in result.output and "atendimento@example.com" in result.output
    admin_code = runner.invoke(args=["demo-totp", "--admin"]).output.strip()
    assert re.fullmatch(r"\d{6}", admin_code)
    from portal.models import StaffRole, StaffUser

    roles = {u.email: u.role for u in db.session.scalars(sa.select(StaffUser))}
    assert roles["admin@example.com"] == StaffRole.ADMIN
    assert roles["atendimento@example.com"] == StaffRole.AGENT


def test_issue_link_prints_a_short_working_url(app: Flask) -> None:
    from tests.access_helpers import debtor_with_items, events

    debtor, creditor = debtor_with_items()
    result = app.test_cli_runner().invoke(
        args=["issue-link", debtor.document, "--channel", "whatsapp", "--days", "3"]
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert re.fullmatch(r"https://portal\.test\.example/a/[A-Za-z0-9_-]{22}", url)
    assert len(url.removeprefix("https://portal.test.example")) <= 26
    client = app.test_client()
    assert client.get(url.removeprefix("https://portal.test.example")).status_code == 200
    [issued] = events("link.issued")
    assert issued.details == {"debtor_id": debtor.id, "channel": "whatsapp", "days": 3}
    assert issued.creditor_id == creditor.id


def test_issue_link_refuses_bad_input(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["issue-link", "529.982.247-25"]).exit_code != 0  # unknown
    assert runner.invoke(args=["issue-link", "123"]).exit_code != 0
    assert runner.invoke(args=["issue-link", "529.982.247-25", "--days", "31"]).exit_code != 0


def test_create_staff_prints_the_totp_secret(app: Flask) -> None:
    import pyotp
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import StaffUser
    from tests.factories import create_creditor

    creditor = create_creditor()
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=[
            "create-staff",
            "--name",
            "Bia",
            "--email",
            "Bia@Example.com",
            "--role",
            "viewer",
            "--creditor",
            creditor.cnpj_formatted,
            "--password",
            "uma senha bem longa",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = re.search(r"secret: ([A-Z2-7]+)", result.output).group(1)
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "bia@example.com"))
    assert user is not None and user.totp_secret == secret
    assert user.role == "viewer" and [c.id for c in user.creditors] == [creditor.id]
    assert "uma senha bem longa" not in user.password_hash
    assert pyotp.TOTP(secret).now()


def test_create_staff_refuses_weak_passwords_and_no_scope(app: Flask) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=[
            "create-staff",
            "--name",
            "X",
            "--email",
            "x@example.com",
            "--all-creditors",
            "--password",
            "short",
        ]
    )
    assert weak.exit_code != 0 and "12 characters" in weak.output
    no_scope = runner.invoke(
        args=[
            "create-staff",
            "--name",
            "X",
            "--email",
            "x@example.com",
            "--password",
            "long enough password",
        ]
    )
    assert no_scope.exit_code != 0


def test_demo_commands_refuse_production(database_uri: str) -> None:
    from tests.conftest import PRODUCTION_OVERRIDES, make_test_app

    prod = make_test_app(database_uri, **PRODUCTION_OVERRIDES)
    for command in ("seed-demo", "demo-info", "demo-totp"):
        result = prod.test_cli_runner().invoke(args=[command])
        assert result.exit_code != 0
        assert "not available in production" in result.output
