"""Aprenda: the public article pages (no login), drafts invisible, HTML sanitised."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from portal.core.context import SYSTEM
from portal.extensions import db
from portal.services.learn import (
    CATEGORIES,
    ArticleDraft,
    create_article,
    load_bundled,
    load_bundled_articles,
    publish_article,
)
from tests.html import parse_page
from tests.services.learn.test_markdown_render import assert_safe

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BUNDLE = load_bundled_articles()


@pytest.fixture
def bundle() -> None:
    load_bundled(db.session, actor=SYSTEM, now=NOW)
    db.session.commit()


def _draft(slug: str, body: str = "## Olá\n\nTexto.\n", **fields: object) -> int:
    values: dict[str, object] = {
        "title": f"Título de {slug}",
        "summary": "Resumo.",
        "category": "dividas",
        "reading_minutes": 2,
        "body_markdown": body,
    }
    values.update(fields)
    article = create_article(db.session, slug, ArticleDraft(**values), actor=SYSTEM)  # type: ignore[arg-type]
    db.session.commit()
    return article.id


def test_the_index_groups_every_published_article_by_category(
    client: FlaskClient, bundle: None
) -> None:
    _draft("rascunho-secreto", title="Rascunho secreto")
    soup = parse_page(client.get("/aprenda"))
    assert soup.h1.get_text(strip=True) == "Aprenda: educação financeira"
    headings = [h.get_text(strip=True) for h in soup.select(".article-group > h2")]
    assert headings == [str(label) for label in CATEGORIES.values()]
    links = {a["href"] for a in soup.select(".article-card__title a")}
    assert links == {f"/aprenda/{source.slug}" for source in BUNDLE}
    assert "Rascunho secreto" not in soup.get_text()
    assert soup.find("a", href="/aprenda/planejador")


def test_an_empty_index_says_so(client: FlaskClient) -> None:
    soup = parse_page(client.get("/aprenda"))
    assert "Ainda não há artigos publicados" in soup.get_text()


@pytest.mark.parametrize("source", BUNDLE, ids=lambda s: s.slug)
def test_each_bundled_article_has_its_page(client: FlaskClient, bundle: None, source) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/aprenda/{source.slug}")
    assert response.status_code == 200
    soup = parse_page(response)
    assert soup.h1.get_text(strip=True) == source.title
    assert soup.title.get_text().startswith(source.title)
    assert soup.find("meta", attrs={"name": "description"})["content"] == source.summary
    body = soup.select_one(".article__body")
    assert body.find("h2") is not None
    assert_safe(body.decode_contents())
    category = soup.select_one(".article__category a")
    assert category["href"] == f"/aprenda/tema/{source.category}"


def test_drafts_and_unknown_slugs_are_404(client: FlaskClient) -> None:
    _draft("ainda-nao")
    assert client.get("/aprenda/ainda-nao").status_code == 404
    assert client.get("/aprenda/nao-existe").status_code == 404
    assert client.get("/aprenda/" + "a" * 300).status_code == 404
    assert client.get("/aprenda/tema/lazer").status_code == 404


def test_a_published_draft_appears_and_is_sanitised(client: FlaskClient) -> None:
    body = (
        "## Cuidado\n\n<script>alert('x')</script>\n\n"
        '<img src=x onerror="alert(1)">\n\n[golpe](javascript:alert(1)) e '
        "[outro](/aprender/como-reconhecer-um-pix-verdadeiro)\n"
    )
    article_id = _draft("publicado-agora", body)
    from portal.models import Article

    publish_article(db.session, db.session.get(Article, article_id), actor=SYSTEM, now=NOW)
    db.session.commit()
    response = client.get("/aprenda/publicado-agora")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    soup = parse_page(response)
    body_html = soup.select_one(".article__body").decode_contents()
    assert_safe(body_html)
    hrefs = [a.get("href") for a in soup.select(".article__body a")]
    assert hrefs == [None, "/aprender/como-reconhecer-um-pix-verdadeiro"], "javascript: dropped"
    assert not soup.select(".article__body [onerror], .article__body script")
    assert html.count("<script") == 0
    assert soup.select_one(".article__body a[href='/aprender/como-reconhecer-um-pix-verdadeiro']")


def test_category_pages_list_their_articles(client: FlaskClient, bundle: None) -> None:
    soup = parse_page(client.get("/aprenda/tema/pix-seguro"))
    assert soup.h1.get_text(strip=True) == "Pix seguro e golpes"
    slugs = {a["href"].rsplit("/", 1)[-1] for a in soup.select(".article-card__title a")}
    assert slugs == {s.slug for s in BUNDLE if s.category == "pix-seguro"}
    others = {a["href"] for a in soup.select("nav[aria-labelledby=other-topics] a")}
    assert "/aprenda/tema/pix-seguro" not in others and len(others) == len(CATEGORIES) - 1


def test_the_old_addresses_in_the_bundled_links_redirect(client: FlaskClient, bundle: None) -> None:
    response = client.get("/aprender/como-priorizar-dividas")
    assert response.status_code == 301
    assert response.headers["Location"] == "/aprenda/como-priorizar-dividas"
    assert client.get("/aprender").headers["Location"] == "/aprenda"


def test_every_page_links_to_aprenda_in_the_footer(client: FlaskClient) -> None:
    soup = parse_page(client.get("/"))
    link = soup.select_one("footer a[href='/aprenda']")
    assert link is not None and "Aprenda" in link.get_text()
