"""The article editor: admins only; drafts, sanitised preview, publish/unpublish, all audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Article, ArticleStatus, StaffRole
from tests.access_helpers import events, make_staff, staff_login
from tests.html import csrf_token, parse_page

NEW = {
    "slug": "guardar-um-pouco",
    "title": "Como guardar um pouco todo mês",
    "summary": "Um passo de cada vez, sem culpa.",
    "category": "orcamento",
    "reading_minutes": "3",
    "body_markdown": "## Comece pequeno\n\nGuarde **R$ 10,00** por semana.\n",
}
EVIL = (
    "## Oi\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n"
    "[clique](javascript:alert(1))\n"
)


def _login(client: FlaskClient, role: StaffRole, email: str = "admin@example.com") -> int:
    user = make_staff(role=role, all_creditors=True, email=email)
    assert staff_login(client, user).status_code == 303
    return user.id


def _token(client: FlaskClient, path: str = "/atendimento/artigos/novo") -> str:
    return csrf_token(parse_page(client.get(path)))


def _create(client: FlaskClient, **overrides: str) -> Article:
    response = client.post(
        "/atendimento/artigos/novo", data={"csrf_token": _token(client), **NEW, **overrides}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    article = db.session.scalar(sa.select(Article).where(Article.slug == NEW["slug"]))
    assert article is not None
    assert response.headers["Location"] == f"/atendimento/artigos/{article.id}"
    return article


def _act(client: FlaskClient, article: Article, action: str):  # type: ignore[no-untyped-def]
    token = _token(client, f"/atendimento/artigos/{article.id}")
    return client.post(f"/atendimento/artigos/{article.id}/{action}", data={"csrf_token": token})


def test_signed_out_goes_to_the_login(client: FlaskClient) -> None:
    response = client.get("/atendimento/artigos")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/atendimento/entrar")


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.AGENT])
def test_only_admins_may_edit(client: FlaskClient, role: StaffRole) -> None:
    admin = FlaskClient(client.application)
    _login(admin, StaffRole.ADMIN)
    article = _create(admin)
    _login(client, role, email="outro@example.com")
    token = csrf_token(parse_page(client.get("/atendimento/")))
    assert client.get("/atendimento/artigos").status_code == 403
    assert client.get("/atendimento/artigos/novo").status_code == 403
    assert client.get(f"/atendimento/artigos/{article.id}").status_code == 403
    for path in ("/novo", f"/{article.id}", f"/{article.id}/publicar"):
        response = client.post(f"/atendimento/artigos{path}", data={"csrf_token": token, **NEW})
        assert response.status_code == 403, path
    db.session.expire_all()
    assert article.status == ArticleStatus.DRAFT
    assert events("article.published") == []


def test_an_admin_writes_previews_publishes_and_unpublishes(client: FlaskClient) -> None:
    admin_id = _login(client, StaffRole.ADMIN)
    article = _create(client)
    assert article.status == ArticleStatus.DRAFT
    assert article.created_by_staff_id == admin_id
    [created] = events("article.created")
    assert (created.actor_type, created.actor_id) == ("staff", str(admin_id))
    assert client.get(f"/aprenda/{article.slug}").status_code == 404, "drafts are not public"

    page = parse_page(client.get(f"/atendimento/artigos/{article.id}"))
    assert page.select_one(".article-preview strong").get_text() == "R$ 10,00"
    assert page.find("form", action=f"/atendimento/artigos/{article.id}/publicar")

    assert _act(client, article, "publicar").status_code == 303
    db.session.expire_all()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at is not None
    assert client.get(f"/aprenda/{article.slug}").status_code == 200
    [published] = events("article.published")
    assert published.subject_id == str(article.id) and published.actor_id == str(admin_id)
    listing = parse_page(client.get("/atendimento/artigos")).get_text(" ", strip=True)
    assert NEW["title"] in listing and "Publicado" in listing

    assert _act(client, article, "despublicar").status_code == 303
    db.session.expire_all()
    assert article.status == ArticleStatus.DRAFT
    assert client.get(f"/aprenda/{article.slug}").status_code == 404
    assert len(events("article.unpublished")) == 1


def test_preview_is_sanitised_and_saves_nothing(client: FlaskClient) -> None:
    _login(client, StaffRole.ADMIN)
    response = client.post(
        "/atendimento/artigos/novo",
        data={"csrf_token": _token(client), **NEW, "body_markdown": EVIL, "acao": "previa"},
    )
    assert response.status_code == 200
    soup = parse_page(response)
    preview = soup.select_one(".article-preview")
    assert preview.find("h2").get_text() == "Oi"
    assert not preview.find_all(["script", "img", "iframe"])
    assert all(not a.get("href") for a in preview.find_all("a"))
    assert "<script>alert" not in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
    assert events("article.created") == []


def test_editing_a_draft_is_audited_and_published_ones_are_locked(client: FlaskClient) -> None:
    _login(client, StaffRole.ADMIN)
    article = _create(client)
    path = f"/atendimento/artigos/{article.id}"
    edited = {k: v for k, v in NEW.items() if k != "slug"} | {"title": "Título novo"}
    response = client.post(path, data={"csrf_token": _token(client, path), **edited})
    assert response.status_code == 303
    db.session.expire_all()
    assert article.title == "Título novo" and article.slug == NEW["slug"]
    [updated] = events("article.updated")
    assert updated.details == {"slug": NEW["slug"], "fields": ["title"]}

    _act(client, article, "publicar")
    response = client.post(
        path, data={"csrf_token": _token(client, path), **edited, "title": "Sem prévia"}
    )
    assert response.status_code == 409
    assert "Despublique antes de editar" in parse_page(response).get_text()
    db.session.expire_all()
    assert article.title == "Título novo"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "Com Espaço", "Use letras minúsculas sem acento, números e hífens."),
        ("slug", "planejador", "Este endereço é usado por uma página do portal."),
        ("title", "", "Informe o título."),
        ("summary", "x" * 161, "No máximo 160 caracteres."),
        ("category", "lazer", "Escolha inválida."),
        ("reading_minutes", "noventa", "O valor inteiro não é válido."),
        ("reading_minutes", "0", "Entre 1 e 60 minutos."),
        ("body_markdown", "", "Escreva o texto do artigo."),
    ],
)
def test_bad_input_is_a_400_with_a_message(
    client: FlaskClient, field: str, value: str, message: str
) -> None:
    _login(client, StaffRole.ADMIN)
    response = client.post(
        "/atendimento/artigos/novo", data={"csrf_token": _token(client), **NEW, field: value}
    )
    assert response.status_code == 400
    soup = parse_page(response)
    error = soup.select_one(f"#{field}-error")
    assert error is not None and message.rstrip(".") in error.get_text(), error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_a_taken_slug_is_a_400(client: FlaskClient) -> None:
    _login(client, StaffRole.ADMIN)
    _create(client)
    response = client.post(
        "/atendimento/artigos/novo", data={"csrf_token": _token(client), **NEW, "title": "Outro"}
    )
    assert response.status_code == 400
    assert "Já existe um artigo com este endereço" in parse_page(response).get_text()


def test_unknown_articles_and_missing_csrf(client: FlaskClient) -> None:
    _login(client, StaffRole.ADMIN)
    assert client.get("/atendimento/artigos/999999").status_code == 404
    article = _create(client)
    assert client.post(f"/atendimento/artigos/{article.id}/publicar").status_code == 400
    db.session.expire_all()
    assert article.status == ArticleStatus.DRAFT
