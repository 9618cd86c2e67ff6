"""Issue 11: ``flask --app portal issue-link <cpf> --creditor <CNPJ>`` prints a link that opens
only that company's items. Seed data: Maria owes Energia Viva and Horizonte; a Horizonte
link shows nothing of Energia Viva (no name, reference, description or amount)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from portal.core.formatting import brl
from portal.domain.documents import format_cnpj
from portal.extensions import db
from portal.models import Creditor, Debtor, PendingItem
from tests.access_helpers import form_post

MARIA = "Maria das Graças Souza"


def _maria_and_companies(app: Flask) -> tuple[Debtor, Creditor, Creditor]:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    cpf = re.search(rf"{MARIA}\s+(\d{{3}}\.\d{{3}}\.\d{{3}}-\d{{2}})", result.output).group(1)
    maria = db.session.scalar(sa.select(Debtor).where(Debtor.document == re.sub(r"\D", "", cpf)))
    energia = db.session.scalar(sa.select(Creditor).where(Creditor.trade_name == "Energia Viva"))
    horizonte = db.session.scalar(
        sa.select(Creditor).where(Creditor.trade_name == "Horizonte Crédito")
    )
    assert maria is not None and energia is not None and horizonte is not None
    return maria, energia, horizonte


def _items(debtor: Debtor, creditor: Creditor) -> list[PendingItem]:
    return list(
        db.session.scalars(
            sa.select(PendingItem).where(
                PendingItem.debtor_id == debtor.id, PendingItem.creditor_id == creditor.id
            )
        )
    )


def test_a_horizonte_link_shows_nothing_of_energia_viva(app: Flask) -> None:
    maria, energia, horizonte = _maria_and_companies(app)
    assert _items(maria, energia) and _items(maria, horizonte), "the seed: Maria owes both"
    result = app.test_cli_runner().invoke(
        args=["issue-link", maria.document, "--creditor", format_cnpj(horizonte.cnpj)]
    )
    assert result.exit_code == 0, result.output
    path = result.output.strip().removeprefix("https://portal.test.example")
    assert re.fullmatch(r"/a/[A-Za-z0-9_-]{22}", path), result.output

    client = app.test_client()
    assert form_post(client, path, {"digits": maria.document[:3]}).status_code == 303
    shown = "\n".join(
        client.get(page).get_data(as_text=True)
        for page in ("/inicio", "/acordos", f"/simular/{horizonte.id}")
    )
    for item in _items(maria, horizonte):
        assert item.external_reference in shown
    secrets = [energia.trade_name, energia.legal_name, energia.cnpj]
    for item in _items(maria, energia):
        amount = brl(item.original_amount_cents).split("\xa0")[-1]
        secrets += [item.external_reference, item.description, amount]
    for secret in secrets:
        assert secret not in shown, secret
    assert client.get(f"/simular/{energia.id}").status_code == 404


def test_a_company_that_does_not_know_the_debtor_gets_no_link(app: Flask) -> None:
    maria, _energia, horizonte = _maria_and_companies(app)
    stranger = db.session.scalar(
        sa.select(Creditor).where(Creditor.id.not_in([c.creditor_id for c in _known(maria)]))
    )
    assert stranger is not None
    result = app.test_cli_runner().invoke(
        args=["issue-link", maria.document, "--creditor", stranger.cnpj]
    )
    assert result.exit_code != 0 and "não tem este devedor" in result.output
    assert horizonte.id != stranger.id


def _known(debtor: Debtor) -> list[PendingItem]:
    return list(
        db.session.scalars(sa.select(PendingItem).where(PendingItem.debtor_id == debtor.id))
    )
