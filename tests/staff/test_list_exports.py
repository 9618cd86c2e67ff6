"""CSV exports of the people lists (a segment's whole ranking, the search result) and the
search narrowed to one company; documents masked, exports audited, scope kept."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import StaffRole
from tests.access_helpers import events, form_post, make_staff, staff_login
from tests.factories import create_creditor, create_debtor, create_pending_item
from tests.html import csrf_token, parse_page


def _csv(response: object) -> list[list[str]]:
    text = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    return [line.split(";") for line in text.lstrip("\ufeff").splitlines()]


def _world(client: FlaskClient) -> dict[str, object]:
    a, b = create_creditor(trade_name="Alfa"), create_creditor(trade_name="Beta")
    people = {}
    for n, (name, creditor) in enumerate(
        (("Márcia Alves", a), ("Marcio Bento", b), ("Marta Costa", a)), start=1
    ):
        debtor = create_debtor(name=name)
        create_pending_item(
            creditor=creditor,
            debtor=debtor,
            original_amount_cents=10_000 * n,
            original_due_date=date(2026, 8, 1),
        )
        people[name] = debtor
    db.session.commit()
    user = make_staff(a, b, role=StaffRole.AGENT)
    assert staff_login(client, user).status_code == 303
    return {"a": a, "b": b, **people}


def test_segment_csv_has_every_row_of_the_filter(client: FlaskClient) -> None:
    world = _world(client)
    a = world["a"]
    page = parse_page(client.get("/atendimento/segmentos", query_string={"credor": a.id}))
    href = next(x["href"] for x in page.select("a") if x.get_text() == "Baixar CSV do segmento")
    rows = _csv(client.get(href))
    assert rows[0][:3] == ["Posição", "Devedor", "Documento"]
    assert sorted(r[1] for r in rows[1:]) == ["Marta Costa", "Márcia Alves"]
    assert all("***" in r[2] for r in rows[1:])  # masked, never the whole CPF
    assert events("segment.exported")[0].details["rows"] == 2
    other = create_creditor()
    db.session.commit()
    assert client.get(f"/atendimento/segmentos.csv?credor={other.id}").status_code == 404


def test_search_by_company_and_its_csv(client: FlaskClient) -> None:
    world = _world(client)
    everywhere = parse_page(form_post(client, "/atendimento/", {"q": "marc"}))
    assert [x.get_text() for x in everywhere.select(".result-list a")] == [
        "Márcia Alves",  # sorted as "marcia", before "marcio"
        "Marcio Bento",
    ]
    narrowed = parse_page(
        form_post(client, "/atendimento/", {"q": "marc", "empresa": str(world["b"].id)})
    )
    assert [x.get_text() for x in narrowed.select(".result-list a")] == ["Marcio Bento"]
    assert form_post(client, "/atendimento/", {"q": "marc", "empresa": "999"}).status_code == 400
    exported = client.post(
        "/atendimento/devedores.csv",
        data={"csrf_token": csrf_token(narrowed), "q": "marc", "empresa": str(world["b"].id)},
    )
    rows = _csv(exported)
    assert rows[1][0] == "Marcio Bento" and "***" in rows[1][1] and len(rows) == 2
    assert len(events("debtor_search.exported")) == 1
    assert client.post("/atendimento/devedores.csv", data={"q": "marc"}).status_code == 400


def test_the_search_is_posted_so_nothing_typed_is_in_a_url(client: FlaskClient) -> None:
    world = _world(client)
    cpf = world["Márcia Alves"].document
    assert client.get("/atendimento/", query_string={"q": cpf}).status_code == 200
    page = parse_page(client.get("/atendimento/", query_string={"q": cpf}))
    assert page.select(".result-list a") == []  # a GET never searches
    form = page.find("form", attrs={"role": "search"})
    assert form["method"] == "post"
    assert client.post("/atendimento/", data={"q": cpf}).status_code == 400  # no CSRF token
    found = parse_page(form_post(client, "/atendimento/", {"q": cpf}))
    assert [a.get_text() for a in found.select(".result-list a")] == ["Márcia Alves"]
