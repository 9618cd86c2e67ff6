"""Aprenda: published articles, grouped by category. Drafts do not exist for readers (404)."""

from __future__ import annotations

from itertools import groupby

from flask import abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.learn.blueprint import bp
from portal.models import Article
from portal.services.learn import CATEGORIES, article_html, published_article, published_articles

RELATED_COUNT = 3


def _grouped(articles: list[Article]) -> list[tuple[str, list[Article]]]:
    """(category, its articles by title) in the order of ``CATEGORIES``, empty ones left out."""
    order = list(CATEGORIES)
    ordered = sorted(articles, key=lambda a: (order.index(a.category), a.title.casefold()))
    return [(category, list(group)) for category, group in groupby(ordered, lambda a: a.category)]


@bp.get("/aprenda")
def index() -> str:
    return render_template(
        "learn/articles/index.html",
        groups=_grouped(published_articles(db.session)),
        categories=CATEGORIES,
    )


@bp.get("/aprenda/tema/<category>")
def category(category: str) -> str:
    if category not in CATEGORIES:
        abort(404)
    articles = sorted(published_articles(db.session, category), key=lambda a: a.title.casefold())
    return render_template(
        "learn/articles/category.html",
        category=category,
        label=CATEGORIES[category],
        articles=articles,
        categories=CATEGORIES,
    )


@bp.get("/aprenda/<slug>")
def article(slug: str) -> str:
    found = published_article(db.session, slug) if len(slug) <= 120 else None
    if found is None:
        abort(404)
    related = [a for a in published_articles(db.session, found.category) if a.id != found.id]
    return render_template(
        "learn/articles/show.html",
        article=found,
        body=article_html(found),
        label=CATEGORIES[found.category],
        related=related[:RELATED_COUNT],
    )


# The bundled articles link to each other as /aprender/<slug>: keep those links working.
@bp.get("/aprender")
def old_index() -> Response:
    return redirect(url_for("learn.index"), code=301)


@bp.get("/aprender/<slug>")
def old_article(slug: str) -> Response:
    return redirect(url_for("learn.article", slug=slug), code=301)
