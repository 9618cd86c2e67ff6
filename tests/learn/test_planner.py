"""The budget planner: exact to the centavo, pt-BR errors, nothing stored, handed to the
simulation only by a signed-in debtor's POST (never in a URL)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditEvent
from tests.debtor.test_journey import sign_in, simulate
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world

MONTH = {
    "income_main": "2.150,00",
    "income_other": "R$ 312,37",
    "housing": "800",
    "food": "650,45",
    "transport": "180,00",
    "health": "",
    "household_bills": "254,91",
    "other": "99,99",
}


def _post(client: FlaskClient, fields: dict[str, str], *, csrf: bool = True):  # type: ignore[no-untyped-def]
    page = parse_page(client.get("/aprenda/planejador"))
    data = {"csrf_token": csrf_token(page)} if csrf else {}
    return client.post("/aprenda/planejador", data={**data, **fields})


def _cells(soup) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {
        row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.find_all("td")]
        for row in soup.select(".planner-result tr")
        if row.th and row.th.get("scope") == "row"
    }


def test_the_form_needs_no_login_and_labels_every_field(client: FlaskClient) -> None:
    soup = parse_page(client.get("/aprenda/planejador"))
    assert soup.h1.get_text(strip=True) == "Planejador de orçamento"
    inputs = soup.select("form.planner-form input[inputmode=decimal]")
    assert len(inputs) == 10
    for field in inputs:
        assert soup.find("label", attrs={"for": field["id"]}), field["id"]
    assert [legend.get_text(strip=True) for legend in soup.select("legend")] == [
        "Quanto entra por mês",
        "Quanto sai por mês",
    ]


def test_the_month_adds_up_to_the_centavo(client: FlaskClient) -> None:
    events_before = db.session.query(AuditEvent).count()
    response = _post(client, MONTH)
    assert response.status_code == 200
    soup = parse_page(response)
    cells = _cells(soup)
    assert cells["Renda"] == ["R$\xa02.462,37", "100%"]
    assert cells["Moradia"] == ["R$\xa0800,00", "32,5%"]
    assert cells["Alimentação"] == ["R$\xa0650,45", "26,4%"]
    assert cells["Transporte"] == ["R$\xa0180,00", "7,3%"]
    assert cells["Contas da casa"] == ["R$\xa0254,91", "10,4%"]
    assert cells["Outros gastos"] == ["R$\xa099,99", "4,1%"]
    assert "Saúde" not in cells, "empty categories are left out"
    assert cells["Total de gastos"] == ["R$\xa01.985,35", "80,6%"]
    assert cells["Sobra"] == ["R$\xa0477,02", ""]
    outcome = soup.select_one(".planner-result [role=status]").get_text(strip=True)
    assert outcome == "Sobram R$\xa0477,02 por mês depois dos gastos."
    assert soup.find("table").find("caption")
    # The typed values come back in the form, so the debtor can adjust them.
    assert soup.find("input", attrs={"name": "food"})["value"] == "650,45"
    assert db.session.query(AuditEvent).count() == events_before, "nothing stored or audited"


def test_amounts_typed_with_a_decimal_dot_are_read_as_reais(client: FlaskClient) -> None:
    # parse_money read "2150.00" as R$ 215.000,00 and "1,234.56" as R$ 1,23.
    soup = parse_page(_post(client, {"income_main": "2150.00", "housing": "1234.5"}))
    cells = _cells(soup)
    assert cells["Renda"] == ["R$\xa02.150,00", "100%"]
    assert cells["Moradia"] == ["R$\xa01.234,50", "57,4%"]
    refused = _post(client, {"income_main": "1,234.56"})
    assert refused.status_code == 400


def test_an_anonymous_visitor_gets_the_amount_to_type_not_a_button(client: FlaskClient) -> None:
    soup = parse_page(_post(client, MONTH))
    assert soup.find("form", action="/aprenda/planejador/simular") is None
    assert "informe R$\xa0477,02 em “Quanto cabe no seu bolso por mês?”" in soup.get_text()


def test_a_shortfall_points_to_help_instead_of_a_simulation(client: FlaskClient) -> None:
    soup = parse_page(_post(client, {"income_main": "1.000,00", "housing": "700", "food": "400"}))
    cells = _cells(soup)
    assert cells["Falta"] == ["R$\xa0100,00", ""]
    assert cells["Total de gastos"] == ["R$\xa01.100,00", "110,0%"]
    text = soup.get_text(" ", strip=True)
    assert "Os gastos passam da renda em R$\xa0100,00 por mês." in text
    assert soup.find("a", href="/aprenda/como-priorizar-dividas")
    assert "Simular com" not in text


def test_nothing_left_is_said_plainly(client: FlaskClient) -> None:
    soup = parse_page(_post(client, {"income_main": "1.000,00", "housing": "1000"}))
    assert "A renda e os gastos empatam" in soup.get_text()
    assert _cells(soup)["Sobra"] == ["R$\xa00,00", ""]


def test_bad_amounts_are_a_400_in_pt_br(client: FlaskClient) -> None:
    response = _post(client, {**MONTH, "food": "muito", "housing": "-50"})
    assert response.status_code == 400
    soup = parse_page(response)
    errors = [e.get_text(" ", strip=True) for e in soup.select(".field__error")]
    assert errors == [
        "Erro: Informe o valor sem sinal de mais ou de menos.",  # housing
        "Erro: Use só algarismos, com vírgula antes dos centavos, por exemplo 1.234,56.",  # food
    ]
    assert soup.select_one(".error-summary a[href='#housing']")
    assert soup.find("input", attrs={"name": "food"})["aria-invalid"] == "true"
    assert soup.select_one(".planner-result") is None


def test_no_income_is_a_400_in_pt_br(client: FlaskClient) -> None:
    response = _post(client, {"housing": "500"})
    assert response.status_code == 400
    soup = parse_page(response)
    assert "informe quanto entra por mês" in soup.select_one("#income_main-error").get_text()


def test_the_form_needs_its_csrf_token(client: FlaskClient) -> None:
    assert _post(client, MONTH, csrf=False).status_code == 400


def test_a_debtor_takes_what_is_left_into_the_simulation(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    soup = parse_page(_post(client, MONTH))
    form = soup.find("form", action="/aprenda/planejador/simular")
    assert form is not None and form["method"] == "post"
    assert form.find("button").get_text(strip=True) == "Simular com R$\xa0477,02 por mês"
    data = {i["name"]: i["value"] for i in form.find_all("input")}
    assert data["budget"] == "477,02"
    response = client.post(form["action"], data=data)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == f"/simular/{world.creditor.id}"
    assert not re.search(r"477|budget|orcamento", location)
    page = parse_page(client.get(location))
    assert page.find("input", attrs={"name": "budget"})["value"] == "477,02"
    # The simulation then uses it like any budget the debtor typed.
    assert simulate(client, world, budget="477,02").status_code == 303


def test_with_several_creditors_the_debtor_chooses_one(client: FlaskClient) -> None:
    from tests.access_helpers import sign_in_by_email
    from tests.factories import create_pending_item

    world = debt_world()
    other = debt_world()
    create_pending_item(creditor=other.creditor, debtor=world.debtor)
    db.session.commit()
    sign_in_by_email(client, world.debtor.id)  # both companies have this e-mail: both proved
    soup = parse_page(_post(client, MONTH))
    form = soup.find("form", action="/aprenda/planejador/simular")
    response = client.post(
        form["action"], data={i["name"]: i["value"] for i in form.find_all("input")}
    )
    assert response.headers["Location"] == "/inicio"
    home = parse_page(client.get("/inicio"))
    assert "Guardamos o valor que sobra no seu mês" in home.get_text()
    for creditor in (world.creditor, other.creditor):
        page = parse_page(client.get(f"/simular/{creditor.id}"))
        assert page.find("input", attrs={"name": "budget"})["value"] == "477,02"


def test_the_handoff_needs_a_signed_in_debtor(client: FlaskClient) -> None:
    page = parse_page(client.get("/aprenda/planejador"))
    response = client.post(
        "/aprenda/planejador/simular", data={"csrf_token": csrf_token(page), "budget": "477,02"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "planner_budget" not in session


def test_a_tampered_handoff_is_a_400_not_a_500(client: FlaskClient) -> None:
    world = debt_world()
    sign_in(client, world)
    page = parse_page(client.get("/aprenda/planejador"))
    for budget in ("abc", "", "-1"):
        response = client.post(
            "/aprenda/planejador/simular", data={"csrf_token": csrf_token(page), "budget": budget}
        )
        assert response.status_code == 400
        assert "Não conseguimos usar esse valor" in parse_page(response).get_text()
    with client.session_transaction() as session:
        assert "planner_budget" not in session
    assert (
        parse_page(client.get(f"/simular/{world.creditor.id}"))
        .find("input", attrs={"name": "budget"})
        .get("value", "")
        == ""
    )
