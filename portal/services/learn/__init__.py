"""Learn context: financial-education articles, sanitised Markdown, the bundled library."""

from portal.services.learn.articles import (
    BODY_MAX,
    ArticleDraft,
    ArticleError,
    all_articles,
    article_html,
    create_article,
    find_article,
    load_bundled,
    publish_article,
    published_article,
    published_articles,
    unpublish_article,
    update_article,
)
from portal.services.learn.markdown_render import (
    CATEGORIES,
    FIELDS,
    ArticleSource,
    load_bundled_articles,
    parse_article,
    render_markdown,
    sanitise_html,
)

__all__ = [
    "BODY_MAX",
    "CATEGORIES",
    "FIELDS",
    "ArticleDraft",
    "ArticleError",
    "ArticleSource",
    "all_articles",
    "article_html",
    "create_article",
    "find_article",
    "load_bundled",
    "load_bundled_articles",
    "parse_article",
    "publish_article",
    "published_article",
    "published_articles",
    "render_markdown",
    "sanitise_html",
    "unpublish_article",
    "update_article",
]
