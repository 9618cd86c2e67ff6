"""KPIs week by week (the October fixture of test_kpis): the weeks, their figures adding up
to the month's, the page with its charts and table, the CSV, scope and bad dates."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import StaffRole
from portal.services.backoffice import Period, creditor_kpis, weekly_kpis, weeks_of
from tests.access_helpers import events, make_staff, staff_login
from tests.html import parse_page
from tests.staff.test_kpis import OCTOBER, QUERY, october  # noqa: F401  (the fixture)

WEEKS = [
    (date(2026, 10, 1), date(2026, 10, 4)),  # Thursday to Sunday: clipped
    (date(2026, 10, 5), date(2026, 10, 11)),
    (date(2026, 10, 12), date(2026, 10, 18)),
    (date(2026, 10, 19), date(2026, 10, 25)),
    (date(2026, 10, 26), date(2026, 10, 31)),  # clipped at the period's end
]


def test_weeks_run_monday_to_sunday_clipped_to_the_period() -> None:
    assert [(w.start, w.end) for w in weeks_of(OCTOBER)] == WEEKS
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    latest = weeks_of(year, max_weeks=3)
    assert [(w.start, w.end) for w in latest] == [
        (date(2026, 12, 14), date(2026, 12, 20)),
        (date(2026, 12, 21), date(2026, 12, 27)),
        (date(2026, 12, 28), date(2026, 12, 31)),
    ]


def test_each_week_counts_its_own_payments_and_agreements(october) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    weeks = weekly_kpis(db.session, october["a"], OCTOBER)
    recovered = [w.summary.recovered_cents for w in weeks]
    # Ana's Pix on 05/10, Bruno's card on 15/10 (net of the refund), Davi's Pix 31/10 23:30
    assert recovered == [0, 30_000, 37_000, 0, 10_000]
    month = creditor_kpis(db.session, october["a"], OCTOBER).total
    assert sum(recovered) == month.recovered_cents
    assert [w.summary.agreements_made for w in weeks] == [1, 0, 0, 1, 1]
    assert sum(w.summary.agreements_made for w in weeks) == month.agreements_made


def _sign_in(client: FlaskClient, *creditors: object) -> None:
    user = make_staff(*creditors, role=StaffRole.VIEWER)
    assert staff_login(client, user).status_code == 303


def test_trend_page_charts_table_and_csv(client: FlaskClient, october) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    a = october["a"]
    _sign_in(client, a)
    response = client.get("/atendimento/indicadores/tendencia", query_string=QUERY)
    assert response.status_code == 200
    page = parse_page(response)
    rows = page.select("table.trend-table tbody tr")
    assert [r.th.get_text() for r in rows][1] == "05/10/2026 a 11/10/2026"
    assert "R$\xa0370,00" in rows[2].get_text()
    titles = [h.get_text() for h in page.select(".chart h3")]
    assert titles == [
        "Recuperado por semana",
        "Taxa de recuperação por semana",
        "Acordos feitos por semana",
    ]
    first = page.select_one(".chart svg")
    assert first["role"] == "img" and "05/10/2026 a 11/10/2026: R$\xa0300,00" in first["aria-label"]
    href = next(a_["href"] for a_ in page.select("a") if a_.get_text() == "Baixar CSV")
    body = client.get(href).get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert body[0].startswith("Início da semana;Fim da semana;Carteira")
    assert body[2].startswith("05/10/2026;11/10/2026;") and ";300,00;" in body[2]
    assert len(body) == 6
    assert events("kpi.exported")[0].details["by"] == "week"


def test_scope_and_bad_dates(client: FlaskClient, october) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, october["a"])
    other = client.get(
        "/atendimento/indicadores/tendencia", query_string={"credor": october["b"].id}
    )
    assert other.status_code == 404
    bad = client.get("/atendimento/indicadores/tendencia", query_string={"inicio": "32/10/2026"})
    assert bad.status_code == 400 and "dd/mm/aaaa" in bad.get_data(as_text=True)
    backwards = client.get(
        "/atendimento/indicadores/tendencia",
        query_string={"inicio": "10/10/2026", "fim": "01/10/2026"},
    )
    assert backwards.status_code == 400
    default = parse_page(client.get("/atendimento/indicadores/tendencia"))
    assert 12 <= len(default.select("table.trend-table tbody tr")) <= 13
