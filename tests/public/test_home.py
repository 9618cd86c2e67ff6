"""The landing page, the language switch and the identity footer."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask.testing import FlaskClient

from tests.factories import create_creditor
from tests.html import csrf_token, parse_page


def test_landing_page_is_pt_br_by_default(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    soup = parse_page(response, lang="pt-BR")
    assert "pendências" in soup.h1.get_text()
    assert "Nunca pedimos senha" in soup.get_text()


def test_accept_language_english(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    soup = parse_page(response, lang="en")
    assert soup.find("button", attrs={"value": "pt_BR"}) is not None


def test_language_switch_stores_the_choice(client: FlaskClient) -> None:
    soup = parse_page(client.get("/"))
    response = client.post(
        "/idioma", data={"locale": "en", "next": "/", "csrf_token": csrf_token(soup)}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "locale=en" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    parse_page(client.get("/"), lang="en")


def test_language_switch_needs_csrf(client: FlaskClient) -> None:
    response = client.post("/idioma", data={"locale": "en", "next": "/"})
    assert response.status_code == 400
    parse_page(response)


def test_language_switch_refuses_unknown_locales_and_open_redirects(client: FlaskClient) -> None:
    token = csrf_token(parse_page(client.get("/")))
    assert client.post("/idioma", data={"locale": "xx", "csrf_token": token}).status_code == 400
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        response = client.post(
            "/idioma", data={"locale": "en", "next": target, "csrf_token": token}
        )
        assert response.headers["Location"] == "/", target


def _get_routes(app: Flask) -> list[str]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            routes.append(rule.rule)
    return routes


def test_every_html_page_has_the_identity_footer(app: Flask, client: FlaskClient) -> None:
    pages = 0
    for path in [*_get_routes(app), "/does-not-exist"]:
        response = client.get(path, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        soup = parse_page(response)
        footer = soup.find("footer").get_text(" ", strip=True)
        assert app.config["OPERATOR_LEGAL_NAME"] in footer
        assert "CNPJ 11.222.333/0001-81" in footer
        assert "São Paulo" in footer
        pages += 1
    assert pages >= 2


def test_footer_names_the_creditor_in_context(app: Flask) -> None:
    creditor = create_creditor(
        legal_name="Energia Teste S.A.", cnpj="11.222.333/0001-81", brand_color="#0b6e4f"
    )
    with app.test_request_context("/"):
        g.creditor = creditor
        html = render_template("errors/error.html", code=404, title="t", message="m")
    assert "Quem está cobrando" in html
    assert "Energia Teste S.A." in html
    assert "11.222.333/0001-81" in html
    assert "Rua Teste, 1, Centro, Curitiba - PR, CEP 80010-000" in html
    assert "--brand:#0b6e4f" in html


def test_an_anonymous_landing_page_touches_no_database(app: Flask, client: FlaskClient) -> None:
    """No session, no user to load: the landing page (issue 15) runs no SQL at all."""
    import sqlalchemy as sa

    from portal.extensions import db

    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
        assert client.get("/", headers={"Accept-Language": "en"}).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert seen == []
