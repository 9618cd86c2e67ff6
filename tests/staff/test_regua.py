"""The régua editor, preview and results: admins only, versioned, checked, in scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.adapters.email.outbox import OutboxEmailSender
from portal.adapters.messaging.provider import OutboxTextProvider
from portal.core.clock import today_br
from portal.core.context import SYSTEM
from portal.domain.calendar import anbima_calendar
from portal.extensions import db
from portal.models import Creditor, ReguaVersion, StaffRole
from portal.services.regua.demo import demo_draft
from portal.services.regua.rulers import publish_ruler
from tests.access_helpers import events, make_staff, staff_login
from tests.factories import create_creditor, create_debtor, create_pending_item
from tests.html import csrf_token, parse_page
from tests.services.regua.conftest import run_reminders


@pytest.fixture
def world(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Creditor]]:
    monkeypatch.setitem(app.extensions, "email_sender", OutboxEmailSender(tmp_path))
    monkeypatch.setitem(app.extensions, "text_provider", OutboxTextProvider(str(tmp_path)))
    with app.app_context():
        ours = create_creditor(trade_name="Luz Boa")
        theirs = create_creditor(trade_name="Outra Empresa")
        for creditor in (ours, theirs):
            publish_ruler(db.session, creditor, demo_draft(creditor), actor=SYSTEM)
        db.session.commit()
        ids = {"ours": ours.id, "theirs": theirs.id}
    yield {name: db.session.get(Creditor, cid) for name, cid in ids.items()}  # type: ignore[misc]


def _login(client: FlaskClient, *creditors: Creditor, role: StaffRole = StaffRole.ADMIN) -> None:
    user = make_staff(*creditors, role=role, email=f"{role.value}@regua.example")
    assert staff_login(client, user).status_code == 303


def _versions(creditor: Creditor) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(ReguaVersion.creditor_id == creditor.id)
    )


def _form(client: FlaskClient, path: str, field: str = "phase") -> dict[str, str]:
    page = parse_page(client.get(path))
    form = page.find(attrs={"name": field}).find_parent("form")
    values = {t["name"]: t.get("value", "") for t in form.find_all("input") if t.get("name")}
    for area in form.find_all("textarea"):
        values[area["name"]] = area.get_text()
    for select in form.find_all("select"):
        chosen = select.find("option", selected=True) or select.find("option")
        values[select["name"]] = chosen["value"]
    values["csrf_token"] = csrf_token(page)
    return values


def test_admins_only_and_only_their_companies(
    app: Flask, client: FlaskClient, world: dict[str, Creditor]
) -> None:
    _login(client, world["ours"], role=StaffRole.AGENT)
    assert client.get("/atendimento/regua").status_code == 403
    other = app.test_client()
    _login(other, world["ours"])
    index = other.get("/atendimento/regua").get_data(as_text=True)
    assert "Luz Boa" in index and "Outra Empresa" not in index
    assert other.get(f"/atendimento/regua/{world['theirs'].id}").status_code == 404
    assert other.get(f"/atendimento/regua/{world['theirs'].id}/passo/1").status_code == 404


def test_editing_a_step_publishes_a_new_version(
    client: FlaskClient, world: dict[str, Creditor]
) -> None:
    ours = world["ours"]
    _login(client, ours)
    page = client.get(f"/atendimento/regua/{ours.id}").get_data(as_text=True)
    assert "Primeira cobrança amigável" in page and "Editar o passo 2" in page
    path = f"/atendimento/regua/{ours.id}/passo/2"
    values = _form(client, path)
    assert values["channel"] == "sms" and "{link}" in values["body"]
    values["body"] = "{empresa} CNPJ {cnpj}: {valor} em aberto. Acesse: {link} {sair}"
    values["note"] = "texto mais curto"
    response = client.post(path, data={**values, "acao": "salvar"})
    assert response.status_code == 303
    assert _versions(ours) == 2
    latest = db.session.scalars(
        sa.select(ReguaVersion).where(
            ReguaVersion.creditor_id == ours.id, ReguaVersion.version == 2
        )
    ).one()
    assert (
        latest.steps[1].body.endswith("Acesse: {link} {sair}") and latest.note == "texto mais curto"
    )
    assert events("regua.published")


def test_threats_are_refused_next_to_the_field(
    client: FlaskClient, world: dict[str, Creditor]
) -> None:
    ours = world["ours"]
    _login(client, ours)
    path = f"/atendimento/regua/{ours.id}/passo/4"
    values = _form(client, path)
    values["body"] = values["body"] + " Caso contrário, seu nome vai para o SPC."
    values["offset_days"] = "400"
    response = client.post(path, data={**values, "acao": "salvar"})
    assert response.status_code == 400
    page = parse_page(response)
    errors = page.select(".error-summary li")
    assert any(
        "não cabe" in e.get_text() or "400" in e.get_text() or "-30" in e.get_text() for e in errors
    )
    values["offset_days"] = "15"
    response = client.post(path, data={**values, "acao": "salvar"})
    body_error = parse_page(response).find(id="body-error").get_text()
    assert "sem ameaças (CDC art. 42)" in body_error and "spc" in body_error
    assert _versions(ours) == 1


def test_add_and_remove_a_step(client: FlaskClient, world: dict[str, Creditor]) -> None:
    ours = world["ours"]
    _login(client, ours)
    values = _form(client, f"/atendimento/regua/{ours.id}/passo/0")
    values.update(
        phase="final_notice",
        offset_days="90",
        channel="email",
        subject="{empresa}: estamos à disposição",
        body="Olá, {nome}. {empresa} (CNPJ {cnpj}): {valor} desde {vencimento}. {link}\n{sair}",
    )
    assert client.post(f"/atendimento/regua/{ours.id}/passo/0", data=values).status_code == 303
    from portal.services.regua.rulers import current_version

    assert len(current_version(db.session, ours.id).steps) == 7
    remove = _form(client, f"/atendimento/regua/{ours.id}/passo/7")
    response = client.post(
        f"/atendimento/regua/{ours.id}/passo/7", data={**remove, "acao": "remover"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert len(current_version(db.session, ours.id).steps) == 6
    assert client.get(f"/atendimento/regua/{ours.id}/passo/9").status_code == 404


def test_pausing_and_the_window(client: FlaskClient, world: dict[str, Creditor]) -> None:
    ours = world["ours"]
    _login(client, ours)
    values = _form(client, f"/atendimento/regua/{ours.id}", "weekday_start")
    values.pop("enabled", None)
    values.update(weekday_start="9", weekday_end="18")
    values.pop("saturday", None)
    response = client.post(f"/atendimento/regua/{ours.id}/configuracao", data=values)
    assert response.status_code == 303
    from portal.services.regua.rulers import current_version, ruler_of

    latest = current_version(db.session, ours.id)
    assert latest.enabled is False
    window = ruler_of(latest).window
    assert (window.weekdays.start.hour, window.weekdays.end.hour, window.saturday) == (9, 18, None)
    values.update(weekday_start="21")
    assert client.post(f"/atendimento/regua/{ours.id}/configuracao", data=values).status_code == 400


def test_preview_of_a_debtors_ruler(
    app: Flask, client: FlaskClient, world: dict[str, Creditor]
) -> None:
    ours = world["ours"]
    debtor = create_debtor(name="Bruna Teste")
    create_pending_item(
        creditor=ours,
        debtor=debtor,
        original_due_date=today_br() - timedelta(days=2),
        original_amount_cents=45_678,
    )
    stranger = create_debtor()
    create_pending_item(creditor=world["theirs"], debtor=stranger)
    db.session.commit()
    _login(client, ours)
    path = f"/atendimento/regua/{ours.id}/previa"
    token = csrf_token(parse_page(client.get(path)))
    page = client.post(path, data={"csrf_token": token, "document": debtor.document})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Bruna Teste" in text and "R$ 456,78" in text and ours.cnpj_formatted in text
    assert "na vez" in text and "agendada" in text  # the current step and the ones ahead
    assert debtor.document not in text  # masked
    refused = client.post(path, data={"csrf_token": token, "document": stranger.document})
    assert refused.status_code == 400 and "Nenhum devedor" in refused.get_data(as_text=True)


def test_the_kpi_page_shows_the_funnel_and_its_csv(
    app: Flask, client: FlaskClient, world: dict[str, Creditor]
) -> None:
    ours = world["ours"]
    create_pending_item(creditor=ours, original_due_date=today_br() - timedelta(days=20))
    db.session.commit()
    from datetime import datetime, time

    from portal.core.clock import BRASILIA

    with app.app_context():
        day = today_br()
        moment = datetime.combine(day, time(10), BRASILIA)
        while not anbima_calendar().is_business_day(moment.date()):
            moment -= timedelta(days=1)
        report = run_reminders(db.session, moment)
        db.session.commit()
    assert report.sent == 1
    _login(client, ours)
    start = (today_br() - timedelta(days=10)).strftime("%d/%m/%Y")
    page = client.get(f"/atendimento/indicadores?credor={ours.id}&inicio={start}")
    text = page.get_data(as_text=True)
    assert "Régua de cobrança: resultados por fase" in text
    assert "Intensificação" in text and "intensification+15email" in text
    assert 'id="chart-regua"' in text or "Da mensagem ao pagamento" in text
    csv = client.get(f"/atendimento/indicadores/regua.csv?credor={ours.id}&inicio={start}")
    lines = csv.get_data(as_text=True).strip().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Fase;Passo;Canal;Variante;Enviadas")
    assert lines[1].startswith("intensification;intensification+15email;email;")
    assert lines[1].split(";")[4:] == ["1", "1", "0", "0", "0", "0", "0"]
    assert events("kpi.exported")
