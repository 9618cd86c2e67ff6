"""Self-service magic links: request, e-mail over SMTP, the interstitial, use, expiry.

Scenarios 2–7 and 10 of docs/requirements.md §(b); scenario 1 (concurrency) is in
test_access_concurrency.py.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from portal.core.after_commit import wait_for_background_tasks
from portal.domain.documents import format_cpf
from portal.extensions import db
from portal.models import AccessLink
from tests.access_helpers import (
    code_in,
    debtor_with_items,
    events,
    form_post,
    link_in,
    magic_link,
    signed_in,
)
from tests.factories import contact_of
from tests.html import csrf_token, parse_page
from tests.smtp_server import SmtpServer


def _request(client: FlaskClient, identifier: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return form_post(client, "/", {"identifier": identifier}, action="/entrar", **kwargs)


def test_known_email_gets_a_magic_link_over_smtp(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    debtor, creditor = debtor_with_items(email="maria@example.com")
    response = _request(client, "Maria@Example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == "/entrar/enviado"
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "maria@example.com"
    assert message["Subject"] == "Seu link de acesso ao Portal de Acordos"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert creditor.legal_name in body and creditor.cnpj_formatted in body
        assert "R$" not in body, "no amounts in e-mails"
        assert debtor.document not in body
    assert "15 minutos" in text
    link_in(message)


def test_cpf_works_too_and_the_link_logs_in_from_the_same_browser(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    debtor, _ = debtor_with_items()
    _request(client, format_cpf(debtor.document))
    path = link_in(smtp_server.wait_for(1)[0])

    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    soup = parse_page(page)
    assert soup.find("form", attrs={"method": "post"}).find("button")
    assert not soup.find("script", src=False), "no auto-submitting script"

    used = client.post(path, data={"csrf_token": csrf_token(soup)})
    assert used.status_code == 303
    assert used.headers["Location"] == "/inicio"  # a URL without the token
    assert signed_in(client)
    assert len(events("link.used")) == 1
    assert len(events("auth.login")) == 1


def test_opening_never_uses_the_link(client: FlaskClient) -> None:
    """GET and HEAD (a mail scanner) leave the link usable (scenario 2)."""
    debtor, _ = debtor_with_items()
    client.get("/")  # the browser that asked for the link holds the nonce cookie
    nonce = "n" * 32
    client.set_cookie("link_nonce", nonce, path="/entrar")
    token = magic_link(debtor.id, nonce=nonce)
    for _ in range(3):
        assert client.get(f"/entrar/{token}").status_code == 200
        assert client.head(f"/entrar/{token}").status_code == 200
    link = db.session.query(AccessLink).one()
    assert link.used_at is None
    assert not signed_in(client)
    page = parse_page(client.get(f"/entrar/{token}"))
    assert client.post(f"/entrar/{token}", data={"csrf_token": csrf_token(page)}).status_code == 303
    assert signed_in(client)


def test_posting_without_csrf_is_refused(client: FlaskClient) -> None:
    debtor, _ = debtor_with_items()
    token = magic_link(debtor.id, nonce="x" * 32)
    assert client.post(f"/entrar/{token}").status_code == 400
    assert db.session.query(AccessLink).one().used_at is None


def test_a_used_link_cannot_be_used_again(client: FlaskClient) -> None:
    debtor, _ = debtor_with_items()
    client.set_cookie("link_nonce", "y" * 32, path="/entrar")
    token = magic_link(debtor.id, nonce="y" * 32)
    page = parse_page(client.get(f"/entrar/{token}"))
    client.post(f"/entrar/{token}", data={"csrf_token": csrf_token(page)})
    again = client.get(f"/entrar/{token}")
    assert again.status_code == 404
    assert "Este link não pode ser usado" in again.get_data(as_text=True)


@pytest.mark.parametrize(("offset", "works"), [(-1, True), (1, False)])
def test_expiry_to_the_second(client: FlaskClient, offset: int, works: bool) -> None:
    """Scenario 3: accepted at expires_at − 1 s, refused at expires_at + 1 s."""
    debtor, _ = debtor_with_items()
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        client.set_cookie("link_nonce", "z" * 32, path="/entrar")
        token = magic_link(debtor.id, nonce="z" * 32, now=start)
        page = parse_page(client.get(f"/entrar/{token}"))
    with time_machine.travel(start + timedelta(minutes=15, seconds=offset), tick=False):
        response = client.post(f"/entrar/{token}", data={"csrf_token": csrf_token(page)})
        assert (response.status_code == 303) is works
        assert signed_in(client) is works


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t[:20],
        lambda t: t + "AA",
        lambda t: t.upper(),
        lambda t: t[:-2] + "%C3%A9",
    ],
    ids=["one-char", "truncated", "padded", "uppercased", "unicode"],
)
def test_tampered_tokens_get_the_same_page(client: FlaskClient, mangle) -> None:  # type: ignore[no-untyped-def]
    """Scenario 4: one generic page, a failure recorded, never a 500."""
    debtor, _ = debtor_with_items()
    token = magic_link(debtor.id, nonce="w" * 32)
    expired = magic_link(debtor.id, ttl=timedelta(seconds=-1))
    reference = parse_page(client.get(f"/entrar/{expired}")).h1.get_text()
    before = len(events("link.failed"))
    for method in (client.get, client.post):
        response = method(f"/entrar/{mangle(token)}")
        assert response.status_code in (400, 404), response.status_code
    response = client.get(f"/entrar/{mangle(token)}")
    assert parse_page(response).h1.get_text() == reference
    assert len(events("link.failed")) == before + 2
    assert db.session.query(AccessLink).filter_by(used_at=None).count() == 2


def test_a_nul_in_the_token_is_refused_before_the_link_is_looked_up(client: FlaskClient) -> None:
    """Issue 12: a NUL cannot be stored or looked up; the input guard answers for every path
    alike (so it says nothing about the token), and nothing is used."""
    debtor, _ = debtor_with_items()
    token = magic_link(debtor.id, nonce="w" * 32)
    for method in (client.get, client.post):
        response = method(f"/entrar/{token[:-2]}%00")
        assert response.status_code == 400
        assert parse_page(response).h1.get_text() == "Não conseguimos aceitar esses dados"
    assert db.session.query(AccessLink).filter_by(used_at=None).count() == 1


def test_path_tricks_are_plain_404s(client: FlaskClient) -> None:
    for path in ("/entrar/../inicio", "/entrar/%2e%2e%2finicio", "/a/../../etc/passwd"):
        assert client.get(path).status_code in (303, 404)


def test_another_browser_needs_identity_check_and_code(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient, app: Flask
) -> None:
    """Scenario 5: a link opened where it was not requested does not log in directly."""
    debtor, _ = debtor_with_items()
    _request(client, str(contact_of(debtor).email))
    path = link_in(smtp_server.wait_for(1)[0])

    other = app.test_client()  # no nonce cookie
    page = parse_page(other.get(path))
    response = other.post(path, data={"csrf_token": csrf_token(page)})
    assert response.headers["Location"] == "/entrar/confirmar"
    assert not signed_in(other)

    answer = form_post(other, "/entrar/confirmar", {"digits": debtor.document[:3]})
    assert answer.headers["Location"] == "/entrar/codigo"
    assert not signed_in(other)
    code = code_in(smtp_server.wait_for(2)[1])
    entered = form_post(other, "/entrar/codigo", {"code": code})
    assert entered.headers["Location"] == "/inicio"
    assert signed_in(other)
    assert events("auth.login")[-1].details["method"] == "magic_link+kba+otp"


def test_fourth_request_in_15_minutes_sends_nothing_more(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    """Scenario 6: same answer every time, at most three e-mails."""
    debtor, _ = debtor_with_items()
    answers = [_request(client, str(contact_of(debtor).email)) for _ in range(4)]
    assert {a.status_code for a in answers} == {303}
    assert {a.headers["Location"] for a in answers} == {"/entrar/enviado"}
    time.sleep(0.3)
    assert len(smtp_server.messages) == 3


def test_the_ip_limit_answers_429(client: FlaskClient, app: Flask) -> None:
    limit = app.config["RATELIMIT_LINK_REQUEST_IP"]
    app.config["RATELIMIT_LINK_REQUEST_IP"] = "2 per hour"
    try:
        answers = [_request(client, f"ninguem{i}@example.com") for i in range(3)]
        codes = [a.status_code for a in answers[:2]] + [answers[2]]
    finally:
        app.config["RATELIMIT_LINK_REQUEST_IP"] = limit
    assert codes[:2] == [303, 303]
    assert codes[2].status_code == 429
    assert 0 < int(codes[2].headers["Retry-After"]) <= 3600


def _comparable(response) -> tuple:  # type: ignore[no-untyped-def]
    # Per-request values; the rate-limit counters count per IP, whatever the identifier.
    volatile = {
        "X-Request-Id",
        "Content-Security-Policy",
        "Set-Cookie",
        "Date",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    }
    headers = tuple(sorted((k, v) for k, v in response.headers.items() if k not in volatile))
    cookies = tuple(sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")))
    return response.status_code, response.get_data(), headers, cookies


def test_no_enumeration_same_answer_and_timing(app: Flask) -> None:
    """Scenario 7: 200 known and 200 unknown e-mails; identical answers, close timings."""
    from flask.testing import FlaskClient as RawClient

    debtors = [debtor_with_items(email=f"conhecida{i}@example.com")[0] for i in range(200)]
    limit = app.config["RATELIMIT_LINK_REQUEST_IP"]
    app.config["RATELIMIT_LINK_REQUEST_IP"] = "100000 per hour"
    # A plain client that does not wait for the background thread sending the e-mails:
    # the response is timed as a browser gets it.
    client = RawClient(app, app.response_class, use_cookies=True)
    token = csrf_token(parse_page(client.get("/")))
    timings: dict[bool, list[float]] = {True: [], False: []}
    shapes = set()
    try:
        for i in range(200):
            for known in (True, False):
                email = contact_of(debtors[i]).email if known else f"desconhecida{i}@example.com"
                started = time.perf_counter()
                response = client.post("/entrar", data={"csrf_token": token, "identifier": email})
                timings[known].append(time.perf_counter() - started)
                shapes.add(_comparable(response))
    finally:
        app.config["RATELIMIT_LINK_REQUEST_IP"] = limit
        wait_for_background_tasks()
    assert len(shapes) == 1, "known and unknown identifiers must get identical answers"
    difference = abs(statistics.median(timings[True]) - statistics.median(timings[False]))
    assert difference < 0.050, f"median difference {difference * 1000:.1f} ms"


def test_host_header_cannot_change_the_link(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    """Scenario 10: the e-mailed link uses BASE_URL whatever Host says."""
    debtor, _ = debtor_with_items()
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    token = csrf_token(parse_page(client.get("/", headers=evil)))
    response = client.post(
        "/entrar",
        headers=evil,
        data={"csrf_token": token, "identifier": str(contact_of(debtor).email)},
    )
    assert response.status_code == 303
    text = smtp_server.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "evil.example" not in text
    assert "https://portal.test.example/entrar/" in text


def test_unknown_identifier_sends_nothing_and_says_the_same(
    smtp_app: Flask, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    for identifier in ("nobody@example.com", "529.982.247-25", "not a cpf"):
        response = _request(client, identifier)
        assert response.headers["Location"] == "/entrar/enviado"
    time.sleep(0.2)
    assert smtp_server.messages == []


def test_empty_form_is_a_400_with_a_message(client: FlaskClient) -> None:
    response = _request(client, "")
    assert response.status_code == 400
    assert "Informe o e-mail ou o CPF" in parse_page(response).get_text()
