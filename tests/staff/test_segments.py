"""Segmentation and ranking, bulk issue of links with progress, and the links export.

Ranking fixture (Credora A, today 31/10/2026 in Brasília), scores by the documented formula
(balance 40 × min(balance, R$ 10.000)/R$ 10.000 + days band + 10 if ever paid + 10 if no
agreement ever broke):

========= ============== ================== ===== ====== ===================== =====
debtor    open balance   oldest due (days)  paid  broken points                score
========= ============== ================== ===== ====== ===================== =====
Eva       R$ 3.000       20/09 (41)         no    no     12 + 40 + 0 + 10      62
Fábio     R$ 15.000      01/06/2025 (517)   no    no     40 + 5 + 0 + 10       55
Gil       R$ 3.000       20/09 (41)         no    yes    12 + 40 + 0 + 0       52
Helena    R$ 1.000       20/10 (11)         yes   no     4 + 25 + 10 + 10      49
Igor      R$ 1.000       20/10 (11)         no    no     4 + 25 + 0 + 10       39
========= ============== ================== ===== ====== ===================== =====

Júlia (only an item in an agreement), Kátia (only a disputed item) and Credora B's debtor
are never listed for A.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

from portal.domain.segments import AmountBand, DaysBand
from portal.extensions import db
from portal.models import (
    AccessLink,
    AuditEvent,
    BulkJob,
    BulkJobLink,
    ItemStatus,
    StaffRole,
)
from portal.services.access import bulk_links
from portal.services.backoffice import History, SegmentFilter, debtor_page, ranked_debtors
from tests.access_helpers import events, make_staff, staff_login
from tests.factories import contact_of, create_creditor, create_debtor
from tests.html import csrf_token, parse_page
from tests.report_helpers import agreement, item, payment, utc

TODAY = date(2026, 10, 31)
LINK = re.compile(r"https://portal\.test\.example(/a/[A-Za-z0-9_-]{22})")


@pytest.fixture(autouse=True)
def _october_31():  # type: ignore[no-untyped-def]
    """Days overdue count from today: every test here runs on 31/10/2026 (Brasília)."""
    with time_machine.travel(utc(2026, 10, 31, 15), tick=True):
        yield


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    a = create_creditor(trade_name="Credora A", legal_name="Credora A S.A.")
    b = create_creditor(trade_name="Credora B", legal_name="Credora B S.A.")
    people = {
        n: create_debtor(name=f"{n} Teste")
        for n in ("Eva", "Fábio", "Gil", "Helena", "Igor", "Júlia", "Kátia")
    }
    item(a, people["Eva"], 300_000, date(2026, 9, 20))
    item(a, people["Fábio"], 1_500_000, date(2025, 6, 1))
    item(a, people["Gil"], 300_000, date(2026, 9, 20))
    agreement(a, people["Gil"], "broken", utc(2026, 7, 1), utc(2026, 8, 15))
    item(a, people["Helena"], 100_000, date(2026, 10, 20))
    done = agreement(a, people["Helena"], "completed", utc(2026, 5, 1), utc(2026, 5, 2))
    payment(done, "pix", 100_000, utc(2026, 5, 2))
    item(a, people["Igor"], 100_000, date(2026, 10, 20))
    item(a, people["Júlia"], 500_000, date(2026, 9, 1), status=ItemStatus.IN_AGREEMENT.value)
    item(a, people["Kátia"], 500_000, date(2026, 9, 1), status=ItemStatus.DISPUTED.value)
    item(b, create_debtor(name="Beto de B"), 9_000_000, date(2026, 9, 1))
    db.session.commit()
    return {"a": a, "b": b, **people}


def _debtor_name(debtor_id: int) -> str:
    from portal.models import Debtor

    return contact_of(db.session.get(Debtor, debtor_id)).first_name


def test_ranking_order_and_scores(world) -> None:  # type: ignore[no-untyped-def]
    ranked = ranked_debtors(db.session, world["a"].id, SegmentFilter(), TODAY)
    assert [_debtor_name(r.debtor_id) for r in ranked] == ["Eva", "Fábio", "Gil", "Helena", "Igor"]
    assert [r.score for r in ranked] == [Decimal(x) for x in ("62", "55", "52", "49", "39")]
    eva = ranked[0]
    assert (eva.balance_cents, eva.days_overdue, eva.has_paid, eva.has_broken) == (
        300_000,
        41,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (SegmentFilter(days=DaysBand.UP_TO_90), ["Eva", "Gil"]),
        (SegmentFilter(days=DaysBand.UP_TO_30), ["Helena", "Igor"]),
        (SegmentFilter(amount=AmountBand.OVER_10K), ["Fábio"]),
        (SegmentFilter(amount=AmountBand.UP_TO_2K), ["Helena", "Igor"]),
        (SegmentFilter(history=History.PAID), ["Helena"]),
        (SegmentFilter(history=History.NEVER), ["Eva", "Fábio", "Gil", "Igor"]),
        (SegmentFilter(broken=True), ["Gil"]),
        (SegmentFilter(broken=False, days=DaysBand.UP_TO_90), ["Eva"]),
        (SegmentFilter(days=DaysBand.UP_TO_180), []),
    ],
)
def test_filters(world, wanted: SegmentFilter, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    ranked = ranked_debtors(db.session, world["a"].id, wanted, TODAY)
    assert [_debtor_name(r.debtor_id) for r in ranked] == expected


def test_filter_round_trips_through_json() -> None:
    wanted = SegmentFilter(DaysBand.UP_TO_90, AmountBand.UP_TO_500, History.NEVER, False)
    assert SegmentFilter.from_json(wanted.to_json()) == wanted
    assert SegmentFilter.from_json(SegmentFilter().to_json()) == SegmentFilter()


def test_pagination(world) -> None:  # type: ignore[no-untyped-def]
    page = debtor_page(db.session, world["a"].id, SegmentFilter(), TODAY, 2, per_page=2)
    assert (page.number, page.pages, page.total, page.first_position) == (2, 3, 5, 3)
    assert [d.name.split()[0] for _, d in page.rows] == ["Gil", "Helena"]
    last = debtor_page(db.session, world["a"].id, SegmentFilter(), TODAY, 99, per_page=2)
    assert (last.number, [d.name.split()[0] for _, d in last.rows]) == (3, ["Igor"])


def _login(client: FlaskClient, *creditors, role=StaffRole.AGENT, email="agente@example.com"):  # type: ignore[no-untyped-def]
    user = make_staff(*creditors, role=role, email=email)
    assert staff_login(client, user).status_code == 303
    return user


def test_segment_page_lists_by_priority_with_pagination(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"], role=StaffRole.VIEWER)
    page = parse_page(client.get("/atendimento/segmentos"))
    rows = page.select("table tbody tr")
    assert [r.th.a.get_text().split()[0] for r in rows] == ["Eva", "Fábio", "Gil", "Helena", "Igor"]
    assert [r.find_all("td")[-1].get_text() for r in rows] == [
        "62,00",
        "55,00",
        "52,00",
        "49,00",
        "39,00",
    ]
    assert page.table.caption.get_text(strip=True)
    assert page.select("form[action*=lotes]") == [], "viewers get no bulk form"
    assert "Beto" not in page.get_text() and "Júlia" not in page.get_text()


def test_another_creditors_segments_are_404(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["b"])
    a = world["a"].id
    assert client.get("/atendimento/segmentos", query_string={"credor": a}).status_code == 404
    page = parse_page(client.get("/atendimento/segmentos"))
    assert [o.get_text() for o in page.select("#credor option")] == ["Credora B"]
    token = csrf_token(page)
    response = client.post(
        f"/atendimento/segmentos/lotes?credor={a}",
        data={"csrf_token": token, "channel": "sms", "days": "7"},
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkJob)) == 0


def test_viewers_cannot_bulk_issue(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"], role=StaffRole.VIEWER)
    token = csrf_token(parse_page(client.get("/atendimento/segmentos")))
    response = client.post(
        f"/atendimento/segmentos/lotes?credor={world['a'].id}",
        data={"csrf_token": token, "channel": "sms", "days": "7"},
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink)) == 0


def _bulk(client: FlaskClient, creditor_id: int, **filters: str):  # type: ignore[no-untyped-def]
    query = {"credor": creditor_id, **filters}
    token = csrf_token(parse_page(client.get("/atendimento/segmentos", query_string=query)))
    return client.post(
        "/atendimento/segmentos/lotes",
        query_string=query,
        data={"csrf_token": token, "channel": "whatsapp", "days": "7"},
    )


def test_bulk_issue_reaches_100_percent_and_exports_working_links(
    client: FlaskClient, app, world, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk_links, "BATCH_SIZE", 1)  # one commit per link
    caplog.set_level(logging.DEBUG)
    agent = _login(client, world["a"])
    response = _bulk(client, world["a"].id, quebra="nao")  # Eva, Fábio, Helena, Igor
    assert response.status_code == 303
    job_page = parse_page(client.get(response.headers["Location"]))
    assert job_page.select_one("progress")["value"] == "100"
    assert "Progresso: 100%" in job_page.get_text()
    assert "4 links emitidos de 4." in job_page.get_text()

    job = db.session.scalar(sa.select(BulkJob))
    assert (job.total, job.done, job.failed, job.status) == (4, 4, 0, "done")
    assert job.staff_id == agent.id and job.filter["broken"] is False
    issued = events("link.issued")
    assert len(issued) == 4
    assert {(e.actor_type, e.actor_id, e.creditor_id) for e in issued} == {
        ("staff", str(agent.id), world["a"].id)
    }
    assert len(events("bulk_job.created")) == len(events("bulk_job.finished")) == 1
    sealed = db.session.scalars(sa.select(BulkJobLink.sealed_token)).all()
    assert all(s and not re.search(r"/a/", s) for s in sealed)

    export = client.get(f"/atendimento/segmentos/lotes/{job.id}/links.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.headers["Cache-Control"].startswith("no-store")
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Nome", "Telefone", "E-mail", "Link", "Mensagem"]
    assert [r[0].split()[0] for r in rows[1:]] == ["Eva", "Fábio", "Helena", "Igor"]
    eva = world["Eva"]
    assert rows[1][1:3] == [contact_of(eva).phone, contact_of(eva).email]
    url = LINK.fullmatch(rows[1][3])
    assert url, rows[1][3]
    assert rows[1][3] in rows[1][4] and rows[1][4].startswith("Olá, Eva!")
    assert len(events("bulk_job.exported")) == 1
    exported = events("bulk_job.exported")[0]
    assert exported.details == {"links": 4}

    for text in [caplog.text] + [str(e.details) for e in db.session.scalars(sa.select(AuditEvent))]:
        for row in rows[1:]:
            assert row[3] not in text and row[3].rsplit("/", 1)[1] not in text, "a link leaked"

    debtor_browser = app.test_client()
    opened = debtor_browser.get(url.group(1))
    assert opened.status_code == 200
    identity = parse_page(opened)
    assert identity.h1.get_text(strip=True) == "Acesso seguro"
    assert "Credora A" in identity.get_text()


def test_export_is_only_for_who_ran_it_within_the_window(client: FlaskClient, app, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"])
    location = _bulk(client, world["a"].id, atraso="31-90").headers["Location"]
    job = db.session.scalar(sa.select(BulkJob))
    export = f"/atendimento/segmentos/lotes/{job.id}/links.csv"

    colleague = app.test_client()
    _login(colleague, world["a"], email="colega@example.com")
    assert colleague.get(location).status_code == 200  # same creditor: may see progress
    assert colleague.get(export).status_code == 404

    outsider = app.test_client()
    _login(outsider, world["b"], email="fora@example.com")
    assert outsider.get(location).status_code == 404
    assert outsider.get(export).status_code == 404

    job.export_expires_at = utc(2026, 10, 31, 14)  # the window closed an hour ago
    db.session.commit()
    late = client.get(export)
    assert late.status_code == 303 and late.headers["Location"].endswith(location)
    db.session.expire_all()
    assert db.session.scalars(sa.select(BulkJobLink.sealed_token)).all() == [None, None]


def test_blocked_debtors_count_as_failed(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    world["Gil"].access_blocked_at = utc(2026, 10, 1)
    db.session.commit()
    _login(client, world["a"])
    page = parse_page(client.get(_bulk(client, world["a"].id, atraso="31-90").headers["Location"]))
    job = db.session.scalar(sa.select(BulkJob))
    assert (job.total, job.done, job.failed, job.percent) == (2, 1, 1, 100)
    assert "1 devedor ficou sem link" in page.get_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink)) == 1


def test_an_empty_segment_is_refused_with_a_clear_message(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"])
    query = {"credor": world["a"].id}
    token = csrf_token(parse_page(client.get("/atendimento/segmentos", query_string=query)))
    response = client.post(
        "/atendimento/segmentos/lotes",
        query_string={**query, "atraso": "91-180"},
        data={"csrf_token": token, "channel": "sms", "days": "7"},
    )
    assert response.status_code == 400
    assert "Nenhum devedor neste segmento" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkJob)) == 0


def test_the_delay_reason_segments_debtors(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    from portal.core.clock import now_utc
    from portal.core.context import SYSTEM
    from portal.domain.disputes import DelayReason
    from portal.services.disputes import record_delay_reason

    a = world["a"].id
    for name, reason in (("Eva", DelayReason.UNEMPLOYMENT), ("Igor", DelayReason.ILLNESS)):
        record_delay_reason(db.session, a, world[name].id, reason, actor=SYSTEM, now=now_utc())
    db.session.commit()
    wanted = SegmentFilter(delay_reason=DelayReason.UNEMPLOYMENT)
    assert [_debtor_name(r.debtor_id) for r in ranked_debtors(db.session, a, wanted, TODAY)] == [
        "Eva"
    ]
    assert SegmentFilter.from_json(wanted.to_json()) == wanted
    assert SegmentFilter.from_json({"days": None}) == SegmentFilter()  # jobs saved before
    _login(client, world["a"], role=StaffRole.VIEWER)
    page = parse_page(client.get("/atendimento/segmentos", query_string={"motivo": "illness"}))
    rows = page.select("table tbody tr")
    assert [r.th.a.get_text().split()[0] for r in rows] == ["Igor"]
    assert "Doença" in rows[0].get_text()
    everyone = parse_page(client.get("/atendimento/segmentos"))
    assert len(everyone.select("table tbody tr")) == 5
    bad = client.get("/atendimento/segmentos", query_string={"motivo": "preguiça"})
    assert bad.status_code == 400
