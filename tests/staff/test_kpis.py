"""KPIs per creditor and period: figures against hand-computed values, page, CSV, scope.

The fixture is October 2026 for Credora A (Brasília days 1–31, i.e. UTC from
2026-10-01 03:00 up to 2026-11-01 03:00), with four debtors:

* Ana — item I1 R$ 300,00 due 15/09 (paid by AG1, completed 10/10: settled inside the
  period, so it stays in the portfolio). A first link issued 10/09 (opened 11/09, before the
  period), a second one issued 02/10 and opened 03/10 15:00 UTC; AG1 accepted 03/10 16:00
  (after the opening: a conversion); Pix R$ 300,00 on 05/10 — her first payment, 25 days
  after her *first* link (10/09 → 05/10).
* Bruno — items I2 R$ 1.500,00 due 01/06 and I3 R$ 1.000,00 due 01/08 (open). Link issued
  20/09, opened 12/10. AG2 accepted 25/09 (before the period, and before the opening: no
  conversion), broken 20/10. Card R$ 200,00 at 01/10 02:00 UTC = 30/09 23:00 in Brasília
  (outside, and his first payment, so no "days to first payment"); card 15/10 applied
  R$ 400,00 with R$ 50,00 excess and R$ 80,00 refunded → net 400 − (80 − 50) = R$ 370,00.
* Carla — item I4 R$ 20.000,00 due 01/08/2025 (open). AG3 accepted 20/10, lapsed 28/10.
  No link.
* Davi — no portfolio item: I5 R$ 800,00 paid by AG4 completed 28/09 (settled before the
  period), I6 cancelled, I7 due 15/11 (after the period), I8 loaded 05/11 (after the
  period). Link issued 24/10, opened 25/10; AG5 accepted 26/10 (conversion); Pix R$ 100,00
  at 01/11 02:30 UTC = 31/10 23:30 in Brasília (inside): 7 days after the first link.

Credora B has its own debtor, payment and opened link, which must never count for A.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from flask.testing import FlaskClient

from portal.domain.segments import AmountBand, DaysBand, Segment
from portal.extensions import db
from portal.models import ItemStatus, StaffRole
from portal.services.backoffice import Period, creditor_kpis
from tests.access_helpers import events, make_staff, staff_login
from tests.factories import create_creditor, create_debtor
from tests.html import parse_page
from tests.report_helpers import agreement, item, link, opened, payment, utc

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
QUERY = {"inicio": "01/10/2026", "fim": "31/10/2026"}


@pytest.fixture
def october():  # type: ignore[no-untyped-def]
    a = create_creditor(trade_name="Credora A", legal_name="Credora A S.A.")
    b = create_creditor(trade_name="Credora B", legal_name="Credora B S.A.")
    ana, bruno, carla, davi = (create_debtor(name=n) for n in ("Ana", "Bruno", "Carla", "Davi"))

    i1 = item(a, ana, 30_000, date(2026, 9, 15), status=ItemStatus.PAID.value)
    opened(link(a, ana, utc(2026, 9, 10)), utc(2026, 9, 11))  # before the period
    opened(link(a, ana, utc(2026, 10, 2)), utc(2026, 10, 3, 15))
    ag1 = agreement(a, ana, "completed", utc(2026, 10, 3, 16), utc(2026, 10, 10, 15), items=(i1,))
    payment(ag1, "pix", 30_000, utc(2026, 10, 5, 14))

    item(a, bruno, 150_000, date(2026, 6, 1))
    item(a, bruno, 100_000, date(2026, 8, 1))
    opened(link(a, bruno, utc(2026, 9, 20, 10)), utc(2026, 10, 12, 13))
    ag2 = agreement(a, bruno, "broken", utc(2026, 9, 25), utc(2026, 10, 20))
    payment(ag2, "card", 20_000, utc(2026, 10, 1, 2))
    payment(ag2, "card", 40_000, utc(2026, 10, 15), excess=5_000, refunded=8_000)

    item(a, carla, 2_000_000, date(2025, 8, 1))
    agreement(a, carla, "lapsed", utc(2026, 10, 20), utc(2026, 10, 28))

    i5 = item(a, davi, 80_000, date(2026, 8, 20), status=ItemStatus.PAID.value)
    agreement(a, davi, "completed", utc(2026, 9, 1), utc(2026, 9, 28), items=(i5,))
    item(a, davi, 10_000, date(2026, 9, 1), status=ItemStatus.CANCELLED.value)
    item(a, davi, 50_000, date(2026, 11, 15))
    item(a, davi, 70_000, date(2026, 10, 20), created_at=utc(2026, 11, 5))
    opened(link(a, davi, utc(2026, 10, 24)), utc(2026, 10, 25))
    ag5 = agreement(a, davi, "awaiting_down_payment", utc(2026, 10, 26))
    payment(ag5, "pix", 10_000, utc(2026, 11, 1, 2, 30))

    other = create_debtor(name="Outra Pessoa")
    item(b, other, 99_999, date(2026, 9, 1))
    opened(link(b, other, utc(2026, 10, 2)), utc(2026, 10, 3))
    agb = agreement(b, other, "completed", utc(2026, 10, 4), utc(2026, 10, 6))
    payment(agb, "pix", 99_999, utc(2026, 10, 6))
    db.session.commit()
    return {"a": a, "b": b}


def test_kpi_figures_match_the_hand_computed_values(october) -> None:  # type: ignore[no-untyped-def]
    report = creditor_kpis(db.session, october["a"], OCTOBER)
    t = report.total
    assert t.accounts == 4  # Ana, Bruno, Carla, Davi
    # I1 30 000 + I2 150 000 + I3 100 000 + I4 2 000 000 (nothing of Davi's)
    assert t.portfolio_cents == 2_280_000
    # pix: Ana 30 000 + Davi 10 000; card: Bruno 40 000 − (8 000 − 5 000) = 37 000
    assert (t.recovered_pix_cents, t.recovered_card_cents) == (40_000, 37_000)
    assert t.recovered_cents == 77_000
    # 77 000 / 2 280 000 = 3.37719…% → 3.38
    assert t.recovery_rate_pct == Decimal("3.38")
    # 40 000 / 77 000 = 51.948…% → 51.95; 37 000 / 77 000 = 48.051…% → 48.05
    assert (t.pix_share_pct, t.card_share_pct) == (Decimal("51.95"), Decimal("48.05"))
    # made: AG1 (03/10), AG3 (20/10), AG5 (26/10); completed AG1; broken AG2; lapsed AG3
    assert (t.agreements_made, t.agreements_completed) == (3, 1)
    assert (t.agreements_broken, t.agreements_lapsed) == (1, 1)
    # first payments after a link: Ana 10/09 → 05/10 = 25 days, Davi 24/10 → 31/10 = 7 days
    # (Brasília dates); (25 + 7) / 2 = 16.0
    assert t.first_payments == 2
    assert t.average_days_to_first_payment == Decimal("16.0")
    # opened: Ana, Bruno, Davi; converted: Ana and Davi → 2 / 3 = 66.67 %
    assert (t.links_opened, t.conversions) == (3, 2)
    assert t.conversion_pct == Decimal("66.67")


def test_kpi_figures_by_segment(october) -> None:  # type: ignore[no-untyped-def]
    segments = dict(creditor_kpis(db.session, october["a"], OCTOBER).segments)
    # Ana: 15/09 → 31/10 = 46 days; R$ 300
    ana = segments.pop(Segment.from_bands(DaysBand.UP_TO_90, AmountBand.UP_TO_500))
    assert (ana.portfolio_cents, ana.recovered_cents) == (30_000, 30_000)
    assert ana.recovery_rate_pct == Decimal("100.00")
    assert (ana.links_opened, ana.conversions, ana.conversion_pct) == (1, 1, Decimal("100.00"))
    # Davi (classified by all his items: oldest 20/08 → 72 days; 80 000 + 50 000 + 70 000)
    davi = segments.pop(Segment.from_bands(DaysBand.UP_TO_90, AmountBand.UP_TO_2K))
    assert (davi.portfolio_cents, davi.recovered_cents) == (0, 10_000)
    assert davi.recovery_rate_pct is None
    # Bruno: 01/06 → 31/10 = 152 days; 150 000 + 100 000; 37 000 / 250 000 = 14.8 %
    bruno = segments.pop(Segment.from_bands(DaysBand.UP_TO_180, AmountBand.UP_TO_10K))
    assert (bruno.portfolio_cents, bruno.recovered_cents) == (250_000, 37_000)
    assert bruno.recovery_rate_pct == Decimal("14.80")
    assert (bruno.agreements_broken, bruno.conversion_pct) == (1, Decimal("0.00"))
    # Carla: 01/08/2025 → 31/10/2026 = 456 days; R$ 20.000
    carla = segments.pop(Segment.from_bands(DaysBand.OVER_360, AmountBand.OVER_10K))
    assert (carla.portfolio_cents, carla.recovery_rate_pct) == (2_000_000, Decimal("0.00"))
    assert (carla.agreements_made, carla.agreements_lapsed, carla.conversion_pct) == (1, 1, None)
    assert segments == {}


def _agent(client: FlaskClient, *creditors, role: StaffRole = StaffRole.AGENT):  # type: ignore[no-untyped-def]
    user = make_staff(*creditors, role=role)
    assert staff_login(client, user).status_code == 303
    return user


def test_kpi_page_shows_figures_charts_and_accessible_tables(client: FlaskClient, october) -> None:  # type: ignore[no-untyped-def]
    _agent(client, october["a"], role=StaffRole.VIEWER)
    page = parse_page(client.get("/atendimento/indicadores", query_string=QUERY))
    facts = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in page.select("dl.kpi-facts dt")
    }
    assert facts["Recuperado"] == "R$\xa0770,00"
    assert facts["Carteira"] == "R$\xa022.800,00"
    assert facts["Taxa de recuperação"] == "3,38%"
    assert facts["Dias do primeiro link ao primeiro pagamento (média)"] == "16,0"
    assert facts["Conversão de link aberto em acordo"] == "66,67%"
    charts = page.select("figure.chart")
    assert len(charts) == 4
    for chart in charts:
        svg = chart.find("svg")
        assert svg["role"] == "img" and svg["aria-label"] and svg.find("title").get_text()
        table = chart.find("table")
        assert table.caption.get_text(strip=True) == svg.find("title").get_text()
        assert all(th.get("scope") in {"col", "row"} for th in table.find_all("th"))
    method = charts[0].find("table")
    assert [td.get_text(strip=True) for td in method.select("tbody td")] == [
        "R$\xa0400,00",
        "R$\xa0370,00",
        "R$\xa00,00",  # boleto
    ]
    # the Pix bar is the longest (full width), the card bar in proportion: 230 × 37/40
    bars = [rect["width"] for rect in charts[0].select("rect")]
    assert bars == ["230.0", "212.8", "0.0"]
    assert [o.get_text() for o in page.select("#credor option")] == ["Credora A"]


def test_csv_export_holds_the_figures_in_pt_br(client: FlaskClient, october) -> None:  # type: ignore[no-untyped-def]
    _agent(client, october["a"])
    response = client.get("/atendimento/indicadores.csv", query_string=QUERY)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, total, *segments = rows
    line = dict(zip(header, total, strict=True))
    assert (line["Atraso"], line["Valor"], line["Devedores"]) == ("Todos", "Todos", "4")
    assert line["Carteira (R$)"] == "22800,00"
    assert line["Recuperado (R$)"] == "770,00"
    assert line["Recuperado por Pix (R$)"] == "400,00"
    assert line["Recuperado por cartão (R$)"] == "370,00"
    assert line["Recuperado por boleto (R$)"] == "0,00"
    assert line["Taxa de recuperação (%)"] == "3,38"
    assert [line[k] for k in ("Acordos feitos", "Acordos cumpridos")] == ["3", "1"]
    assert [line[k] for k in ("Acordos quebrados", "Acordos caducados")] == ["1", "1"]
    assert line["Dias do primeiro link ao primeiro pagamento (média)"] == "16,0"
    assert line["Conversão de link aberto em acordo (%)"] == "66,67"
    assert [(r[0], r[1], r[4], r[8]) for r in segments] == [
        ("31 a 90 dias", "até R$ 500", "300,00", "100,00"),
        ("31 a 90 dias", "R$ 500,01 a R$ 2.000", "100,00", ""),
        ("91 a 180 dias", "R$ 2.000,01 a R$ 10.000", "370,00", "14,80"),
        ("mais de 360 dias", "acima de R$ 10.000", "0,00", "0,00"),
    ]
    assert len(events("kpi.exported")) == 1


def test_an_agent_of_b_sees_nothing_of_a(client: FlaskClient, october) -> None:  # type: ignore[no-untyped-def]
    _agent(client, october["b"])
    a = october["a"].id
    for path in ("/atendimento/indicadores", "/atendimento/indicadores.csv"):
        assert client.get(path, query_string={"credor": a, **QUERY}).status_code == 404
        assert client.get(path, query_string={"credor": "x"}).status_code == 404
    page = parse_page(client.get("/atendimento/indicadores", query_string=QUERY))
    assert [o.get_text() for o in page.select("#credor option")] == ["Credora B"]
    facts = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in page.select("dl.kpi-facts dt")
    }
    assert facts["Recuperado"] == "R$\xa0999,99"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"inicio": "31/02/2026"}, "Data inválida"),
        ({"inicio": "amanhã"}, "Data inválida"),
        ({"inicio": "10/10/2026", "fim": "01/10/2026"}, "A data final vem depois da inicial."),
        ({"inicio": "01/01/2025", "fim": "31/10/2026"}, "Escolha um período de até 366 dias."),
    ],
)
def test_bad_dates_get_a_clear_400(client: FlaskClient, october, query, message) -> None:  # type: ignore[no-untyped-def]
    _agent(client, october["a"])
    response = client.get("/atendimento/indicadores", query_string=query)
    assert response.status_code == 400
    assert message in parse_page(response).select_one(".error-summary").get_text()
    assert client.get("/atendimento/indicadores.csv", query_string=query).status_code == 400


def test_the_default_period_is_the_last_30_days(client: FlaskClient, october) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(utc(2026, 10, 31, 15), tick=True):
        _agent(client, october["a"])
        page = parse_page(client.get("/atendimento/indicadores"))
    assert page.select_one("#inicio")["value"] == "02/10/2026"
    assert page.select_one("#fim")["value"] == "31/10/2026"
    assert page.h2.get_text(strip=True) == "Credora A de 02/10/2026 a 31/10/2026"


def test_iso_dates_from_a_date_picker_are_accepted(client: FlaskClient, october) -> None:  # type: ignore[no-untyped-def]
    _agent(client, october["a"])
    response = client.get(
        "/atendimento/indicadores", query_string={"inicio": "2026-10-01", "fim": "2026-10-31"}
    )
    assert response.status_code == 200
    assert parse_page(response).select_one("#inicio")["value"] == "01/10/2026"


def test_a_creditor_without_data_shows_dashes_not_errors(client: FlaskClient) -> None:
    empty = create_creditor(trade_name="Credora Vazia")
    _agent(client, empty)
    page = parse_page(client.get("/atendimento/indicadores", query_string=QUERY))
    facts = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in page.select("dl.kpi-facts dt")
    }
    assert facts["Taxa de recuperação"] == facts["Conversão de link aberto em acordo"] == "—"
    assert "Nenhum devedor com pendências ou movimento neste período." in page.get_text()
    assert len(page.select("figure.chart svg[role=img]")) == 3


def test_delay_reasons_are_counted_on_the_page_and_in_the_csv(client: FlaskClient) -> None:
    from portal.core.clock import now_utc, today_br
    from portal.core.context import SYSTEM
    from portal.domain.disputes import DelayReason
    from portal.services.disputes import record_delay_reason

    a, b = create_creditor(trade_name="Credora A"), create_creditor(trade_name="Credora B")
    due = today_br() - timedelta(days=40)
    people = [create_debtor(name=n) for n in ("Ana", "Bia", "Caio")]
    for person, reason in zip(
        people, (DelayReason.UNEMPLOYMENT, DelayReason.UNEMPLOYMENT, None), strict=True
    ):
        item(a, person, 30_000, due)
        if reason is not None:
            record_delay_reason(db.session, a.id, person.id, reason, actor=SYSTEM, now=now_utc())
    stranger = create_debtor(name="Dora")
    item(b, stranger, 30_000, due)
    record_delay_reason(
        db.session, b.id, stranger.id, DelayReason.FORGOT, actor=SYSTEM, now=now_utc()
    )
    db.session.commit()
    _agent(client, a)
    page = parse_page(client.get("/atendimento/indicadores", query_string={"credor": a.id}))
    chart = page.find("figure", id="chart-delay-reasons") or page.find(
        lambda tag: tag.name == "figure" and "Motivos do atraso" in tag.get_text()
    )
    assert chart is not None
    cells = [td.get_text(strip=True) for td in chart.select("tbody td")]
    assert cells == ["2", "0", "0", "0", "0"]
    response = client.get("/atendimento/indicadores.csv", query_string={"credor": a.id})
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    header, total, *segments = rows
    line = dict(zip(header, total, strict=True))
    assert line["Motivo do atraso: Desemprego"] == "2"
    assert line["Motivo do atraso: Esqueci"] == "0"  # Credora B's debtor is not counted
    [segment] = segments
    assert dict(zip(header, segment, strict=True))["Motivo do atraso: Desemprego"] == "2"
