"""Financial-education articles: load the bundled set, write drafts, publish, render safely.

Every change is recorded in the audit log in the same unit of work. Services flush, never
commit. The HTML shown to readers always comes from ``markdown_render.render_markdown`` (raw
HTML escaped, then an nh3 allow-list), whoever wrote the Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from markupsafe import Markup

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.models import ActorType, Article, ArticleStatus
from portal.models.article import ARTICLE_CATEGORIES, SLUG_MAX, SUMMARY_MAX, TITLE_MAX
from portal.services.learn.markdown_render import (
    READING_MINUTES_RANGE,
    ArticleSource,
    load_bundled_articles,
    render_markdown,
)

SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Paths of the learning pages that an article slug must not shadow.
RESERVED_SLUGS: Final = frozenset({"planejador", "tema"})
BODY_MAX: Final = 100_000


class ArticleError(ValueError):
    """A change the articles refuse; ``reason`` is a stable code the views translate."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """What an editor writes: everything but the status and the audit columns."""

    title: str
    summary: str
    category: str
    reading_minutes: int
    body_markdown: str


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot be a new article's address, or None when it can (format only)."""
    if not SLUG.fullmatch(slug) or len(slug) > SLUG_MAX:
        return "bad_slug"
    if slug in RESERVED_SLUGS:
        return "reserved_slug"
    return None


def _check(draft: ArticleDraft) -> None:
    """The model's limits, enforced before the database does (forms check them first)."""
    if draft.category not in ARTICLE_CATEGORIES:
        raise ArticleError("bad_category")
    if not draft.title.strip() or len(draft.title) > TITLE_MAX:
        raise ArticleError("bad_title")
    if not draft.summary.strip() or len(draft.summary) > SUMMARY_MAX:
        raise ArticleError("bad_summary")
    if draft.reading_minutes not in READING_MINUTES_RANGE:
        raise ArticleError("bad_reading_minutes")
    if not draft.body_markdown.strip() or len(draft.body_markdown) > BODY_MAX:
        raise ArticleError("bad_body")


def _staff_id(actor: Actor) -> int | None:
    return int(actor.id) if actor.type == ActorType.STAFF and actor.id else None


def _audit(
    session: DbSession, actor: Actor, action: str, article: Article, **details: object
) -> None:
    record_event(
        session,
        actor,
        action,
        subject=("article", article.id),
        details={"slug": article.slug, **details},
    )


def article_html(article: Article | ArticleDraft) -> Markup:
    """The body as sanitised HTML, safe to put in a page as is."""
    return Markup(render_markdown(article.body_markdown))  # noqa: S704 - sanitised by nh3


def find_article(session: DbSession, article_id: int) -> Article | None:
    return session.get(Article, article_id)


def published_article(session: DbSession, slug: str) -> Article | None:
    """A published article by its slug; drafts do not exist for readers."""
    return session.scalar(
        sa.select(Article).where(Article.slug == slug, Article.status == ArticleStatus.PUBLISHED)
    )


def published_articles(session: DbSession, category: str | None = None) -> list[Article]:
    """Published articles, newest first, optionally of one category."""
    statement = sa.select(Article).where(Article.status == ArticleStatus.PUBLISHED)
    if category is not None:
        statement = statement.where(Article.category == category)
    return list(session.scalars(statement.order_by(Article.published_at.desc(), Article.id)))


def all_articles(session: DbSession) -> list[Article]:
    """Every article, drafts first, then by title (the editor's list)."""
    return list(session.scalars(sa.select(Article).order_by(Article.status, Article.title)))


def create_article(session: DbSession, slug: str, draft: ArticleDraft, *, actor: Actor) -> Article:
    """A new draft. Raises ``ArticleError`` for a bad or taken slug or an invalid draft."""
    if problem := slug_problem(slug):
        raise ArticleError(problem)
    _check(draft)
    if session.scalar(sa.select(Article.id).where(Article.slug == slug)) is not None:
        raise ArticleError("slug_taken")
    staff_id = _staff_id(actor)
    article = Article(
        slug=slug,
        title=draft.title,
        summary=draft.summary,
        category=draft.category,
        reading_minutes=draft.reading_minutes,
        body_markdown=draft.body_markdown,
        status=ArticleStatus.DRAFT,
        created_by_staff_id=staff_id,
        updated_by_staff_id=staff_id,
    )
    session.add(article)
    session.flush()
    _audit(session, actor, "article.created", article)
    return article


def update_article(
    session: DbSession, article: Article, draft: ArticleDraft, *, actor: Actor
) -> Article:
    """Change a draft. A published article is unpublished first, so readers never see an
    edit that nobody previewed. The slug never changes (pages link to it)."""
    if article.is_published:
        raise ArticleError("published")
    _check(draft)
    changed = sorted(
        name
        for name in ("title", "summary", "category", "reading_minutes", "body_markdown")
        if getattr(article, name) != getattr(draft, name)
    )
    if not changed:
        return article
    for name in changed:
        setattr(article, name, getattr(draft, name))
    article.updated_by_staff_id = _staff_id(actor)
    session.flush()
    _audit(session, actor, "article.updated", article, fields=changed)
    return article


def publish_article(session: DbSession, article: Article, *, actor: Actor, now: datetime) -> bool:
    """Publish a draft; False (and nothing written) when it is already published."""
    if article.is_published:
        return False
    article.status = ArticleStatus.PUBLISHED
    article.published_at = now
    article.updated_by_staff_id = _staff_id(actor)
    session.flush()
    _audit(session, actor, "article.published", article)
    return True


def unpublish_article(session: DbSession, article: Article, *, actor: Actor) -> bool:
    """Take an article back to draft; False (and nothing written) when it is one already."""
    if not article.is_published:
        return False
    article.status = ArticleStatus.DRAFT
    article.published_at = None
    article.updated_by_staff_id = _staff_id(actor)
    session.flush()
    _audit(session, actor, "article.unpublished", article)
    return True


def _from_source(source: ArticleSource, now: datetime) -> Article:
    return Article(
        slug=source.slug,
        title=source.title,
        summary=source.summary,
        category=source.category,
        reading_minutes=source.reading_minutes,
        body_markdown=source.body_markdown,
        status=ArticleStatus.PUBLISHED,
        published_at=now,
    )


def load_bundled(
    session: DbSession,
    *,
    actor: Actor,
    now: datetime,
    sources: list[ArticleSource] | None = None,
) -> list[str]:
    """Add the bundled articles that are missing, published; returns the slugs added.

    Idempotent: an article whose slug exists is left alone, whatever its status or text,
    so an editor's changes (or an unpublish) survive a second seed.
    """
    bundle = load_bundled_articles() if sources is None else sources
    existing = set(session.scalars(sa.select(Article.slug)))
    added = [source for source in bundle if source.slug not in existing]
    for source in added:
        session.add(_from_source(source, now))
    session.flush()
    slugs = [source.slug for source in added]
    if slugs:
        record_event(session, actor, "article.bundle_loaded", details={"slugs": slugs})
    return slugs
