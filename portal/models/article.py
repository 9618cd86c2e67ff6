"""Financial-education articles: Markdown written by staff (or bundled), draft or published.

The body is stored as Markdown and turned into sanitised HTML when shown
(``portal.services.learn.articles.article_html``); nothing unsanitised is ever stored for display.
The slug is the article's address (``/aprenda/<slug>``) and never changes once created.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


# The keys of ``portal.services.learn.markdown_render.CATEGORIES`` (a test keeps them equal).
ARTICLE_CATEGORIES: Final = (
    "orcamento",
    "dividas",
    "credito-consciente",
    "pix-seguro",
    "superendividamento",
)
SLUG_MAX: Final = 120
TITLE_MAX: Final = 200
SUMMARY_MAX: Final = 160

_STATUSES = ", ".join(f"'{s.value}'" for s in ArticleStatus)
_CATEGORIES = ", ".join(f"'{c}'" for c in ARTICLE_CATEGORIES)


class Article(TimestampMixin, Base):
    __tablename__ = "articles"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        sa.CheckConstraint(f"category IN ({_CATEGORIES})", name="category"),
        sa.CheckConstraint(
            "(status = 'published' AND published_at IS NOT NULL)"
            " OR (status = 'draft' AND published_at IS NULL)",
            name="published_at_matches_status",
        ),
        sa.CheckConstraint("reading_minutes BETWEEN 1 AND 60", name="reading_minutes"),
        sa.CheckConstraint("slug <> '' AND title <> '' AND summary <> ''", name="not_blank"),
        sa.Index("ix_articles_status_category", "status", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(sa.String(SUMMARY_MAX))
    category: Mapped[str] = mapped_column(sa.String(24))
    reading_minutes: Mapped[int]
    body_markdown: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=ArticleStatus.DRAFT)
    published_at: Mapped[datetime | None]
    # None for the bundled articles loaded by the system (seed-demo).
    created_by_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    updated_by_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED
