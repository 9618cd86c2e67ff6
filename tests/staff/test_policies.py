"""The negotiation policy editor: admins only, versioned, validated, previewed by the engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal.core.clock import today_br
from portal.core.context import SYSTEM
from portal.core.formatting import brl
from portal.demo.policies import demo_policies
from portal.domain.calendar import anbima_calendar
from portal.domain.charges import DebtorKind
from portal.domain.charges import PendingItem as DomainItem
from portal.domain.offers import Offer
from portal.domain.policy import NegotiationPolicy
from portal.domain.simulation import build_offer
from portal.extensions import db
from portal.models import Creditor, PolicyVersion, StaffRole
from portal.services.policies import current_policy, policy_version, publish_policy
from tests.access_helpers import events, make_staff, staff_login
from tests.factories import create_creditor
from tests.html import parse_page

JUROS_CAP = (
    "Os juros de mora vão de 0% a 1% ao mês: é o teto dos juros moratórios (Súmula 379 do STJ; "
    "Código Civil, art. 406)."
)


@pytest.fixture
def creditors() -> dict[str, Creditor]:
    a = create_creditor(trade_name="Credora A")
    b = create_creditor(trade_name="Credora B")
    school = create_creditor(trade_name="Escola C")
    publish_policy(db.session, a, demo_policies()["energia"], actor=SYSTEM)
    publish_policy(db.session, b, demo_policies()["horizonte"], actor=SYSTEM)
    publish_policy(db.session, school, demo_policies()["saber"], actor=SYSTEM)
    db.session.commit()
    return {"a": a, "b": b, "school": school}


def _login(client: FlaskClient, *creditors: Creditor, role: StaffRole = StaffRole.ADMIN):  # type: ignore[no-untyped-def]
    user = make_staff(*creditors, role=role, email=f"{role.value}@x.example")
    assert staff_login(client, user).status_code == 303
    return user


def _fields(page: BeautifulSoup) -> dict[str, str]:
    """What the browser would send for the editor's form, as the page shows it."""
    form = page.find("form", attrs={"action": lambda a: a and a.endswith("/nova")})
    values: dict[str, str] = {}
    for tag in form.find_all("input"):
        if tag.get("name"):
            values[tag["name"]] = tag.get("value", "")
    for select in form.find_all("select"):
        chosen = select.find("option", selected=True) or select.find("option")
        values[select["name"]] = chosen["value"]
    return values


def _edit(client: FlaskClient, creditor: Creditor) -> tuple[str, dict[str, str]]:
    path = f"/atendimento/politicas/{creditor.id}/nova"
    return path, _fields(parse_page(client.get(path)))


def _expected(policy: NegotiationPolicy, amount: int, days: int) -> Offer:
    """The engine's own simulation of the sample debt (what the preview must show)."""
    today = today_br()
    item = DomainItem("x", "x", amount, today - timedelta(days=days))
    return build_offer(
        [item],
        policy,
        anbima_calendar(),
        debtor_kind=DebtorKind.CONSUMER,
        as_of=today,
        first_due_date=policy.first_due_window.bounds(today)[0],
    )


def _preview_rows(page: BeautifulSoup) -> list[list[str]]:
    table = page.select_one("table.preview-options")
    assert table is not None, "no preview"
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in table.select("tbody tr")
    ]


def _assert_preview_matches(page: BeautifulSoup, offer: Offer) -> None:
    rows = _preview_rows(page)
    assert len(rows) == len(offer.options)
    for row, option in zip(rows, offer.options, strict=True):
        assert row[1] == brl(option.down_payment_cents)
        assert row[3] == brl(option.total_cents)
        if option.payment_count > 1:
            assert row[2] == f"{option.installment_count} × {brl(option.installment_cents)}"
        assert row[5].startswith("oferecida" if option.valid else "não oferecida")


def test_only_admins_and_only_their_creditors(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    _login(client, creditors["a"], role=StaffRole.AGENT)
    assert client.get("/atendimento/politicas").status_code == 403
    assert client.get(f"/atendimento/politicas/{creditors['a'].id}/nova").status_code == 403
    assert "Políticas" not in parse_page(client.get("/atendimento/")).select_one("nav").get_text()
    admin = client.application.test_client()
    _login(admin, creditors["a"])
    index = parse_page(admin.get("/atendimento/politicas"))
    assert "Credora A" in index.get_text() and "Credora B" not in index.get_text()
    b = creditors["b"].id
    for path in (f"/{b}", f"/{b}/nova", f"/{b}/versoes/1", "/999999/nova"):
        assert admin.get("/atendimento/politicas" + path).status_code == 404, path
    _own, fields = _edit(admin, creditors["a"])
    response = admin.post(f"/atendimento/politicas/{b}/nova", data={**fields, "acao": "publicar"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).where(PolicyVersion.creditor_id == b)) == 1


def test_form_starts_from_the_current_version(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    _login(client, creditors["a"])
    _, fields = _edit(client, creditors["a"])
    assert fields["multa_pct"] == "2"
    assert fields["plan_monthly_rate_pct"] == "0,99"
    assert fields["tiers-1-min_days_overdue"] == "180"
    assert fields["bands-2-min_amount"] == "1.000,00"
    assert fields["min_installment"] == "30,00"
    assert fields["tiers-3-discount_pct"] == ""  # empty spare row


def test_preview_shows_the_engines_figures_for_the_edited_rules(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    _login(client, creditors["a"])
    path, fields = _edit(client, creditors["a"])
    fields.update(
        plan_monthly_rate_pct="1,5",
        min_installment="40,00",
        sample_amount="1.000,00",
        sample_days="200",
        acao="previsualizar",
    )
    response = client.post(path, data=fields)
    assert response.status_code == 200
    page = parse_page(response)
    edited = replace(
        current_policy(db.session, creditors["a"].id),
        plan_monthly_rate_pct=Decimal("1.5"),
        min_installment_cents=4_000,
    )
    offer = _expected(edited, 100_000, 200)
    _assert_preview_matches(page, offer)
    # the itemised balance of the sample debt, and its à vista discount (15 % tier at 180 days)
    balance = offer.items[0].balance
    assert brl(balance.total_cents) in page.select_one(".lines__total").get_text()
    assert brl(offer.items[0].cash_discount.total_cents) in page.get_text()
    assert offer.options[0].discount_cents > 0
    # nothing is published by a preview
    assert len(events("policy.published")) == 3  # the fixture's


def test_minimums_typed_with_a_decimal_dot_are_reais(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    # The old parser read "50.00" as R$ 5.000,00.
    _login(client, creditors["a"])
    path, fields = _edit(client, creditors["a"])
    fields.update(min_installment="50.00", existential_minimum="600.00", acao="previsualizar")
    page = parse_page(client.post(path, data=fields))
    fields = _fields(page)
    assert (fields["min_installment"], fields["existential_minimum"]) == ("50.00", "600.00")
    assert client.post(path, data={**fields, "acao": "publicar"}).status_code == 303
    published = current_policy(db.session, creditors["a"].id)
    assert published.min_installment_cents == 5_000
    assert published.affordability.existential_minimum_cents == 60_000


def test_a_rate_and_count_pair_is_accepted_with_a_high_enough_minimum(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    _login(client, creditors["a"])
    path, fields = _edit(client, creditors["a"])
    fields.update(plan_monthly_rate_pct="0,95", min_installment="110,00", acao="previsualizar")
    fields["bands-2-max_payments"] = "120"
    page = parse_page(client.post(path, data=fields))
    assert client.post(path, data={**_fields(page), "acao": "publicar"}).status_code == 303
    assert current_policy(db.session, creditors["a"].id).max_payments_for(10**9) == 120


def test_publish_after_preview_appends_a_version(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    user = _login(client, creditors["a"])
    path, fields = _edit(client, creditors["a"])
    fields.update(plan_monthly_rate_pct="1,5", note="juros menores", acao="publicar")
    blind = client.post(path, data=fields)
    assert blind.status_code == 409  # not previewed: the preview is shown instead
    page = parse_page(blind)
    assert _preview_rows(page)
    assert "Confira a prévia" in page.get_text()
    previewed = _fields(page)
    previewed["acao"] = "publicar"
    response = client.post(path, data=previewed)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/atendimento/politicas/{creditors['a'].id}")
    v1 = policy_version(db.session, creditors["a"].id, 1)
    v2 = policy_version(db.session, creditors["a"].id, 2)
    assert v1.plan_monthly_rate_pct == Decimal("0.99")
    assert v2.plan_monthly_rate_pct == Decimal("1.5")
    assert replace(v2, plan_monthly_rate_pct=v1.plan_monthly_rate_pct, version=1) == v1
    row = db.session.scalar(
        sa.select(PolicyVersion).where(
            PolicyVersion.creditor_id == creditors["a"].id, PolicyVersion.version == 2
        )
    )
    assert (row.created_by_type, row.created_by_id, row.note) == (
        "staff",
        str(user.id),
        "juros menores",
    )
    published = events("policy.published")[-1]
    assert published.actor_id == str(user.id) and published.details == {"version": 2}
    versions = parse_page(client.get(response.headers["Location"]))
    first_row = versions.select("tbody tr")[0].get_text(" ", strip=True)
    assert "versão 2" in first_row and user.name in first_row and "juros menores" in first_row
    detail = parse_page(client.get(f"/atendimento/politicas/{creditors['a'].id}/versoes/1"))
    assert "0,99%" in detail.get_text()


def test_rules_changed_after_the_preview_are_previewed_again(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    _login(client, creditors["a"])
    path, fields = _edit(client, creditors["a"])
    page = parse_page(client.post(path, data={**fields, "acao": "previsualizar"}))
    previewed = _fields(page)
    previewed.update(min_down_payment_pct="50", acao="publicar")
    response = client.post(path, data=previewed)
    assert response.status_code == 409
    assert (
        db.session.scalar(
            sa.select(sa.func.max(PolicyVersion.version)).where(
                PolicyVersion.creditor_id == creditors["a"].id
            )
        )
        == 1
    )


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"multa_pct": "3"}, ["A multa vai de 0% a 2%"]),
        ({"juros_monthly_pct": "abc"}, ["Informe um percentual, por exemplo 2,5."]),
        ({"juros_monthly_pct": "25"}, [JUROS_CAP]),
        ({"juros_monthly_pct": "1,5"}, [JUROS_CAP]),  # accepted (up to 20 %) before
        ({"juros_monthly_pct": "2"}, [JUROS_CAP]),
        ({"multa_pct": ""}, ["Preencha este campo."]),
        (
            {"grace_days": "40", "breach_after_days": "10"},
            ["O acordo só pode ser quebrado depois da tolerância"],
        ),
        ({"first_due_min_days": "10", "first_due_max_days": "5"}, ["O prazo máximo precisa"]),
        ({"bands-0-min_amount": "10,00"}, ["A primeira faixa de parcelamento começa em R$ 0,00"]),
        ({"bands-1-max_payments": "500"}, ["Use de 1 a 120 pagamentos."]),
        ({"tiers-1-min_days_overdue": "30"}, ["Cada faixa de desconto precisa"]),
        ({"tiers-2-min_days_overdue": "365"}, ["Preencha todos os campos da faixa"]),
        ({"tiers-0-discount_pct": "120"}, ["Use um percentual de 0% a 100%."]),
        (
            {"plan_monthly_rate_pct": "25", "min_installment": "0", "multa_pct": "2,5"},
            [
                "A multa vai de 0% a 2%",
                "A parcela mínima precisa ser maior que zero.",
                "Os juros do parcelamento vão de 0% a 20% ao mês.",
            ],
        ),
        ({"sample_amount": "0"}, ["Informe o valor da dívida de exemplo"]),
        # Rate and count pairs whose last installment could be more than 1 % off (issue 13).
        (
            {"plan_monthly_rate_pct": "15", "bands-2-max_payments": "73"},
            [
                "Com juros de 15% ao mês em até 72 parcelas depois da entrada, a última parcela "
                "pode ficar mais de 1% diferente das outras. Para evitar isso, a parcela mínima "
                "precisa ser de pelo menos R$\xa078.182,00; ou reduza os juros ou o número de "
                "pagamentos."
            ],
        ),
        (
            {"plan_monthly_rate_pct": "0,95", "bands-2-max_payments": "120"},
            ["a parcela mínima precisa ser de pelo menos R$\xa0110,00"],
        ),
        ({"min_installment": "1,234.56"}, ["Use o ponto para os milhares e a vírgula"]),
    ],
)
def test_bad_rules_are_explained_and_nothing_is_published(
    client: FlaskClient,
    creditors: dict[str, Creditor],
    changes: dict[str, str],
    messages: list[str],
) -> None:
    _login(client, creditors["a"])
    path, fields = _edit(client, creditors["a"])
    for action in ("previsualizar", "publicar"):
        response = client.post(path, data={**fields, **changes, "acao": action})
        assert response.status_code == 400
        page = parse_page(response)
        summary = page.select_one(".error-summary").get_text()
        for message in messages:
            assert message in summary, (message, summary)
        for link in page.select(".error-summary a"):
            assert page.find(id=link["href"][1:]) is not None, link["href"]
        assert page.select_one("table.preview-options") is None
    assert len(events("policy.published")) == 3


def test_first_version_and_keeping_the_correction_table(
    client: FlaskClient, creditors: dict[str, Creditor]
) -> None:
    fresh = create_creditor(trade_name="Nova Credora")
    db.session.commit()
    _login(client, creditors["school"], fresh)
    path, fields = _edit(client, fresh)
    assert fields["multa_pct"] == "2" and fields["correction"] == "none"
    page = parse_page(client.post(path, data={**fields, "acao": "previsualizar"}))
    response = client.post(path, data={**_fields(page), "acao": "publicar"})
    assert response.status_code == 303
    assert current_policy(db.session, fresh.id).charges.correction is None
    # the school's IPCA table is kept when asked to
    path, fields = _edit(client, creditors["school"])
    assert fields["correction"] == "keep"
    page = parse_page(client.post(path, data={**fields, "acao": "previsualizar"}))
    assert client.post(path, data={**_fields(page), "acao": "publicar"}).status_code == 303
    kept = current_policy(db.session, creditors["school"].id)
    assert kept.version == 2
    assert kept.charges.correction == demo_policies()["saber"].charges.correction


def test_policy_pages_render(client: FlaskClient, creditors: dict[str, Creditor]) -> None:
    _login(client, creditors["a"])
    a = creditors["a"].id
    for path in ("", f"/{a}", f"/{a}/versoes/1", f"/{a}/nova"):
        page = parse_page(client.get("/atendimento/politicas" + path))
        assert page.find("h1").get_text(strip=True)
    nav = parse_page(client.get("/atendimento/")).select_one("nav").get_text()
    assert "Políticas" in nav
