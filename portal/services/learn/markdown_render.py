"""Financial-education articles: front matter, Markdown to safe HTML, the bundled set.

Two layers keep an article's HTML safe, whoever wrote it. Python-Markdown runs with raw
HTML turned off, so anything typed as HTML (``<script>``, ``<img onerror=…>``) comes out
as visible, escaped text; then nh3 keeps only an explicit allow-list of tags, attributes
and URL schemes (http, https, mailto and relative URLs) and puts
``rel="noopener noreferrer"`` on every link. The page provides the ``<h1>``: headings in
the Markdown start at ``<h2>`` and stop at ``<h4>``.

The bundled articles live in ``portal/content/articles/<slug>.md``, each opening with a
front matter block of one ``key: value`` per line between two ``---`` lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Final
from xml.etree.ElementTree import Element

import markdown
import nh3
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

CATEGORIES: Final[dict[str, LazyString]] = {
    "orcamento": _l("Orçamento"),
    "dividas": _l("Dívidas"),
    "credito-consciente": _l("Crédito consciente"),
    "pix-seguro": _l("Pix seguro e golpes"),
    "superendividamento": _l("Superendividamento e seus direitos"),
}

SUMMARY_MAX_CHARS: Final = 160
READING_MINUTES_RANGE: Final = range(1, 61)
FIELDS: Final = ("slug", "title", "category", "summary", "reading_minutes")

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MINUTES = re.compile(r"[0-9]{1,2}")
_DELIMITER: Final = "---"

_TAGS: Final = frozenset(
    {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code"}
    | {"pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br"}
)
_ATTRIBUTES: Final = {"a": {"href", "title"}, "ol": {"start"}}
_ALIGN: Final = {"align": {"left", "center", "right"}}
_URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
# Dropped with everything inside them, not just unwrapped.
_DROPPED_WITH_CONTENT: Final = frozenset({"script", "style"})
_HEADING_LEVELS: Final = {"h1": "h2", "h5": "h4", "h6": "h4"}


@dataclass(frozen=True, slots=True)
class ArticleSource:
    """One article as written: its front matter and its Markdown body."""

    slug: str
    title: str
    category: str
    summary: str
    reading_minutes: int
    body_markdown: str


class _HeadingLevels(Treeprocessor):
    """``#`` becomes ``<h2>`` (the page has the ``<h1>``); levels 5 and 6 become ``<h4>``."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            element.tag = _HEADING_LEVELS.get(element.tag, element.tag)


class _ArticleMarkdown(Extension):
    """No raw HTML (it is escaped as text) and demoted headings."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_HeadingLevels(md), "portal_heading_levels", 5)


def sanitise_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes; links get ``rel``."""
    return nh3.clean(
        html,
        tags=set(_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        tag_attribute_values={"th": _ALIGN, "td": _ALIGN},
        url_schemes=set(_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown (tables, fenced code, sane lists) to sanitised HTML."""
    converter = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", _ArticleMarkdown()],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    return sanitise_html(converter.convert(text))


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if lines[0].rstrip() != _DELIMITER:
        raise ValueError("the article must start with a front matter block: a line '---'")
    closing = next((i for i, line in enumerate(lines) if i and line.rstrip() == _DELIMITER), 0)
    if not closing:
        raise ValueError("the front matter block is not closed by a line '---'")
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:closing], start=2):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or not key:
            raise ValueError(f"front matter line {number}: expected 'key: value', got {line!r}")
        if key in meta:
            raise ValueError(f"front matter line {number}: {key!r} is given twice")
        if not value:
            raise ValueError(f"front matter line {number}: {key!r} has no value")
        meta[key] = value
    return meta, "\n".join(lines[closing + 1 :]).strip()


def parse_article(text: str) -> ArticleSource:
    """Parse and validate one article file; every problem is a ``ValueError`` saying what."""
    meta, body = _front_matter(text)
    if unknown := sorted(set(meta) - set(FIELDS)):
        raise ValueError(f"unknown front matter keys: {', '.join(unknown)}")
    if missing := [field for field in FIELDS if field not in meta]:
        raise ValueError(f"missing front matter keys: {', '.join(missing)}")
    slug, category, summary = meta["slug"], meta["category"], meta["summary"]
    if not _SLUG.fullmatch(slug) or len(slug) > 120:
        raise ValueError(
            f"bad slug {slug!r}: use lowercase letters, digits and single hyphens (≤ 120)"
        )
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}: use one of {', '.join(CATEGORIES)}")
    if len(summary) > SUMMARY_MAX_CHARS:
        raise ValueError(
            f"summary has {len(summary)} characters; at most {SUMMARY_MAX_CHARS} are allowed"
        )
    minutes = meta["reading_minutes"]
    if not _MINUTES.fullmatch(minutes) or int(minutes) not in READING_MINUTES_RANGE:
        raise ValueError(f"reading_minutes must be a whole number from 1 to 60, got {minutes!r}")
    if not body:
        raise ValueError("the article has no body after the front matter")
    return ArticleSource(
        slug=slug,
        title=meta["title"],
        category=category,
        summary=summary,
        reading_minutes=int(minutes),
        body_markdown=body + "\n",
    )


def load_bundled_articles() -> list[ArticleSource]:
    """The articles shipped in ``portal/content/articles``, sorted by slug."""
    articles: list[ArticleSource] = []
    for entry in files("portal.content").joinpath("articles").iterdir():
        if not entry.name.endswith(".md"):
            continue
        try:
            article = parse_article(entry.read_text(encoding="utf-8"))
        except ValueError as error:
            raise ValueError(f"{entry.name}: {error}") from error
        if entry.name != f"{article.slug}.md":
            raise ValueError(f"{entry.name}: the file must be named after its slug")
        articles.append(article)
    return sorted(articles, key=lambda article: article.slug)
