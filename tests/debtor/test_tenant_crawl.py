"""Issue 11, "done means": for a session that proved only company A, every debtor page reachable
by GET, and every document, holds none of company B's item references, names or amounts; so
does every GET route of the debtor pages asked for B's rows directly.

The scene (``tests.tenant_helpers.shared_person``): one person owes A and B; each company has
open items, an accepted agreement with its terms, a paid installment with its receipt and an
open Pix attempt, and knows the person under its own name and e-mail.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Document, OfferSnapshot
from tests.access_helpers import reminder_link, sign_in_by_email
from tests.html import csrf_token, parse_page
from tests.tenant_helpers import Scene, crawl, leaks, shared_person

ROUTE_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _sign_in_with_link(client: FlaskClient, scene: Scene, creditor_id: int) -> None:
    token = reminder_link(scene.debtor.id, creditor_id)
    page = parse_page(client.get(f"/a/{token}"))
    digits = scene.debtor.document[:3]
    response = client.post(f"/a/{token}", data={"csrf_token": csrf_token(page), "digits": digits})
    assert response.status_code == 303


def _simulation_pages(client: FlaskClient, creditor_id: int) -> list[str]:
    """The options and confirmation pages exist only after a simulation (a POST)."""
    path = f"/simular/{creditor_id}"
    soup = parse_page(client.get(path))
    data = {
        "csrf_token": csrf_token(soup),
        "items": [i["value"] for i in soup.select("input[name=items]")],
        "first_due_date": soup.find("input", attrs={"name": "first_due_date"})["value"],
    }
    options = client.post(path, data=data).headers["Location"]
    return [options, f"{options}/confirmar?parcelas=2"]


def _starts(client: FlaskClient, scene: Scene) -> list[str]:
    side = scene.a
    return [
        "/inicio",
        *_simulation_pages(client, side.creditor.id),
        f"/pagamentos/{side.open_payment.id}/pix",
        f"/pagamentos/{side.open_payment.id}/situacao",
    ]


def _b_dispute(scene: Scene) -> int:
    """B's item disputed by the person (in B's session): its case page is B's row."""
    from portal.core.clock import now_utc, today_br
    from portal.core.context import SYSTEM
    from portal.domain.disputes import DisputeReason
    from portal.services.disputes import open_dispute

    dispute = open_dispute(
        db.session,
        scene.b.items[-1],
        DisputeReason.WRONG_AMOUNT,
        "segredo de B",
        attachment=None,
        actor=SYSTEM,
        now=now_utc(),
        today=today_br(),
    )
    db.session.commit()
    return dispute.id


def _b_route_values(scene: Scene) -> dict[str, object]:
    b = scene.b
    document = _documents(b.agreement.id)[0]
    return {
        "item_id": b.items[0].id,
        "dispute_id": _b_dispute(scene),
        "agreement_id": b.agreement.id,
        "document_id": document.id,
        "payment_id": b.paid.id,
        "creditor_id": b.creditor.id,
        "token": b.agreement.offer_id and _offer_token(b.agreement.offer_id),
        "number": 1,
        "attempt": 1,
        "fmt": "json",  # the LGPD export of B's data
    }


def _documents(agreement_id: int) -> list[Document]:
    return list(
        db.session.scalars(
            sa.select(Document).where(Document.agreement_id == agreement_id).order_by(Document.id)
        )
    )


def _offer_token(offer_id: int) -> str:
    return db.session.get_one(OfferSnapshot, offer_id).token


def _every_get_route_with_bs_rows(app: Flask, client: FlaskClient, scene: Scene) -> dict[str, str]:
    values = _b_route_values(scene)
    pages: dict[str, str] = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("debtor.") or "GET" not in (rule.methods or ()):
            continue
        path = ROUTE_PARAM.sub(lambda m: str(values[m.group(1)]), rule.rule)
        response = client.get(path)
        pages[path] = f"{response.status_code}\n{response.get_data().decode('latin-1')}"
    return pages


def test_a_session_that_proved_only_a_shows_nothing_of_b(app: Flask, client: FlaskClient) -> None:
    scene = shared_person(app)
    _sign_in_with_link(client, scene, scene.a.creditor.id)
    pages = crawl(client, _starts(client, scene))

    # The crawl saw A's world: pendências, agreement, both documents, the Pix page.
    everything = "\n".join(pages.values())
    assert scene.a.items[0].external_reference in everything
    assert scene.a.person_name.split()[0] in everything
    documents = [p for p in pages if "/documentos/" in p]
    assert len(documents) >= 2, documents  # the terms and the receipt, read back from the PDFs
    assert any(scene.a.creditor.legal_name in pages[p] for p in documents)
    assert f"/acordos/{scene.a.agreement.id}" in pages
    assert "/meus-dados" in pages and "/empresas/adicionar" in pages

    assert leaks(pages, scene.b_secrets) == []
    direct = _every_get_route_with_bs_rows(app, client, scene)
    assert leaks(direct, scene.b_secrets) == []
    for path in direct:
        if any(
            key in path
            for key in (
                "/acordos/",
                "/pagamentos/",
                "/simula",
                "/meus-dados/",
                "/pendencias/",
                "/contestacoes/",
            )
        ):
            assert direct[path].startswith("404"), path


def test_a_magic_link_to_as_address_shows_nothing_of_b_either(
    app: Flask, client: FlaskClient
) -> None:
    scene = shared_person(app)
    sign_in_by_email(client, scene.debtor.id, scene.a.email)
    pages = crawl(client, _starts(client, scene))
    assert scene.a.items[0].external_reference in "\n".join(pages.values())
    assert leaks(pages, scene.b_secrets) == []


def test_the_check_is_not_vacuous_bs_own_session_shows_bs_data(
    app: Flask, client: FlaskClient
) -> None:
    """The same crawl from B's side finds B's references, names and amounts."""
    scene = shared_person(app)
    _sign_in_with_link(client, scene, scene.b.creditor.id)
    pages = crawl(client, ["/inicio"])
    found = {secret for _path, secret in leaks(pages, scene.b_secrets)}
    assert scene.b.items[0].external_reference in found
    assert scene.b.person_name in found or scene.b.person_name.split()[0] in "".join(pages.values())
    assert any(re.fullmatch(r"[\d.]+,\d\d", s) for s in found), "B's amounts are found"
