"""Reminder links (SMS/WhatsApp/e-mail): nothing shown before the identity check; lock at 5.

Scenario 8 and A15 of docs/requirements.md.
"""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.core.tokens import new_reminder_token
from portal.extensions import db
from portal.models import AccessLink
from tests.access_helpers import debtor_with_items, events, form_post, reminder_link, signed_in
from tests.factories import contact_of, create_creditor
from tests.html import parse_page


def _preview(soup: BeautifulSoup) -> str:
    tags = soup.find_all("meta", attrs={"property": lambda v: v and v.startswith("og:")})
    tags += soup.find_all("meta", attrs={"name": lambda v: v and v.startswith("twitter:")})
    return " ".join(str(tag.get("content", "")) for tag in tags) + " " + soup.title.get_text()


def test_the_path_fits_an_sms() -> None:
    token = new_reminder_token()
    assert len(token) == 22
    assert len(f"/a/{token}") <= 26


def test_before_the_check_only_the_creditor_name_and_a_neutral_title(
    client: FlaskClient,
) -> None:
    creditor = create_creditor(trade_name="Energia Viva", legal_name="Energia Viva S.A.")
    debtor, _ = debtor_with_items(creditor=creditor, name="Maria das Graças Souza")
    token = reminder_link(debtor.id, creditor.id)
    response = client.get(f"/a/{token}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    soup = parse_page(response)
    preview = _preview(soup)
    assert "Energia Viva" in preview
    page = soup.get_text(" ")
    for secret in (
        "Maria",
        "Graças",
        "Souza",
        debtor.document,
        debtor.document[3:9],
        "R$",
        "Fatura",
        str(contact_of(debtor).email),
    ):
        assert secret not in preview, secret
        assert secret not in page, secret
    assert "123,45" not in page


def test_the_right_first_digits_let_the_debtor_in(client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    response = form_post(client, f"/a/{token}", {"digits": debtor.document[:3]})
    assert response.status_code == 303
    assert response.headers["Location"] == "/inicio"
    assert signed_in(client)
    home = parse_page(client.get("/inicio"))
    assert contact_of(debtor).first_name in home.get_text()
    assert creditor.legal_name in home.find("footer").get_text()  # creditor in context
    link = db.session.query(AccessLink).one()
    assert link.use_count == 1 and link.used_at is not None
    assert events("auth.login")[-1].details["method"] == "access_link+kba"


def test_the_link_is_reusable_until_it_expires(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    for _ in range(3):
        other = app.test_client()
        assert form_post(other, f"/a/{token}", {"digits": debtor.document[:3]}).status_code == 303
    assert db.session.query(AccessLink).one().use_count == 3


def test_birth_date_works_too(client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items(birth_date=date(1980, 2, 29))
    token = reminder_link(debtor.id, creditor.id)
    page = parse_page(client.get(f"/a/{token}?metodo=nascimento"))
    assert page.find("input", attrs={"type": "date"})
    response = form_post(client, f"/a/{token}?metodo=nascimento", {"birth_date": "1980-02-29"})
    assert response.status_code == 303
    assert signed_in(client)


def test_five_failures_lock_the_link_for_good(client: FlaskClient) -> None:
    """Scenario 8: after 5 wrong answers the link is void, even with the right answer."""
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    wrong = "999" if debtor.document[:3] != "999" else "998"
    for attempt in range(1, 5):
        response = form_post(client, f"/a/{token}", {"digits": wrong})
        assert response.status_code == 400
        left = 5 - attempt
        plural = f"ainda tem {left} tentativa." if left == 1 else f"ainda tem {left} tentativas."
        assert plural in response.get_data(as_text=True)
    fifth = form_post(client, f"/a/{token}", {"digits": wrong})
    assert fifth.status_code == 404
    said = parse_page(fifth)
    assert said.h1.get_text() == "Este link foi bloqueado"
    assert "peça um novo link" in said.get_text(" ")
    assert said.find("form", attrs={"action": "/entrar"}) is not None
    right = form_post(client, f"/a/{token}", {"digits": debtor.document[:3]})
    assert right.status_code == 404
    assert parse_page(right).h1.get_text() == "Este link não pode ser usado"  # generic again
    assert not signed_in(client)
    link = db.session.query(AccessLink).one()
    assert link.locked_at is not None and link.failed_attempts == 5
    [locked] = events("link.locked")
    assert locked.subject_id == str(link.id)
    assert locked.ip == "127.0.0.1"


def test_a_success_resets_the_failure_count(client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    for _ in range(4):
        form_post(
            client, f"/a/{token}", {"digits": "000" if debtor.document[:3] != "000" else "111"}
        )
    form_post(client, f"/a/{token}", {"digits": debtor.document[:3]})
    assert db.session.query(AccessLink).one().failed_attempts == 0


def test_revoked_and_expired_links_get_the_generic_page(client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items()
    revoked = reminder_link(debtor.id, creditor.id)
    expired = reminder_link(debtor.id, creditor.id, days=-1)
    db.session.query(AccessLink).filter(AccessLink.expires_at > now_utc()).update(
        {"revoked_at": now_utc()}
    )
    db.session.commit()
    pages = [client.get(f"/a/{token}") for token in (revoked, expired, "x" * 22, "short")]
    assert {p.status_code for p in pages} == {404}
    titles = {parse_page(p).h1.get_text() for p in pages}
    assert titles == {"Este link não pode ser usado"}


def test_a_blocked_debtor_cannot_get_in(client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    debtor.access_blocked_at = now_utc()
    db.session.commit()
    assert form_post(client, f"/a/{token}", {"digits": debtor.document[:3]}).status_code == 404


def test_bad_input_is_a_400_not_a_500(client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    for data in ({"digits": ""}, {"digits": "12345"}, {"birth_date": "31/02/1990"}):
        assert form_post(client, f"/a/{token}", data).status_code == 400
    assert (
        form_post(client, f"/a/{token}?metodo=nascimento", {"birth_date": "not-a-date"}).status_code
        == 400
    )
