"""Learn Markdown: safe HTML, strict front matter, the bundled articles."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from portal.services.learn import (
    CATEGORIES,
    FIELDS,
    ArticleSource,
    load_bundled_articles,
    markdown_render,
    parse_article,
    render_markdown,
    sanitise_html,
)

ALLOWED_TAGS = {
    *("p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code"),
    *("pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br"),
}
SAFE_SCHEMES = {"", "http", "https", "mailto"}


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_safe(html: str) -> None:
    """Only allow-listed tags; no event handlers or styles; links only to safe schemes."""
    lowered = html.lower()
    for needle in ("<script", "<iframe", "<img", "<style", "<object", "<svg"):
        assert needle not in lowered, (needle, html)
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs and "src" not in attrs, (tag, attrs)
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer", attrs
            href = attrs.get("href")
            if href is not None:
                # Browsers drop tabs and newlines anywhere in a URL before reading the scheme.
                scheme = urlsplit(re.sub(r"[\t\n\r]", "", href).strip()).scheme.lower()
                assert scheme in SAFE_SCHEMES, href


# --- rendering and sanitising -------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown_text", "escaped_text"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Antes <img src=x onerror=alert(1)> depois", "&lt;img src=x onerror=alert(1)&gt;"),
        ('<a href="javascript:alert(1)">oi</a>', "&lt;a href="),
        ('<a href="data:text/html,<script>alert(1)</script>">oi</a>', "&lt;a href="),
        ('<p style="color:red">vermelho</p>', "vermelho"),
        ('<iframe src="https://evil.example"></iframe>', "&lt;iframe"),
        ('<em onclick="alert(1)">clique</em>', "clique"),
        ('<div>\n<b onmouseover="alert(1)">bloco</b>\n</div>', "bloco"),
        ("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"),
        ("<style>body{display:none}</style>", "&lt;style&gt;"),
        ("<svg onload=alert(1)>", "&lt;svg onload=alert(1)&gt;"),
        ("<!-- <script>alert(1)</script> -->", "&lt;!--"),
    ],
)
def test_raw_html_in_markdown_becomes_visible_text(markdown_text: str, escaped_text: str) -> None:
    # Raw HTML is escaped, so words like "onerror" may remain as harmless visible text;
    # assert_safe parses the output to prove no tag or attribute is live.
    html = render_markdown(markdown_text)
    assert_safe(html)
    assert escaped_text in html


@pytest.mark.parametrize(
    "raw_html",
    [
        "<script>alert(1)</script>texto",
        "<p>texto<script src=https://evil.example/x.js></script></p>",
        "<img src=x onerror=alert(1)>texto",
        '<a href="javascript:alert(1)">texto</a>',
        '<a href="JaVaScRiPt:alert(1)">texto</a>',
        '<a href="java&#x09;script:alert(1)">texto</a>',
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">texto</a>',
        '<a href="vbscript:msgbox(1)">texto</a>',
        '<p style="position:fixed">texto</p>',
        '<iframe src="https://evil.example">texto</iframe>',
        '<p onclick="alert(1)" onmouseover="alert(2)">texto</p>',
        "<scr<script>ipt>alert(1)</script>texto",
        "<style>p{color:red}</style><p>texto</p>",
        "<object data=x></object><embed src=x><form action=x><input></form>texto",
        "<svg><g onload=alert(1)></g></svg>texto",
    ],
)
def test_the_sanitiser_removes_dangerous_html(raw_html: str) -> None:
    html = sanitise_html(raw_html)
    assert_safe(html)
    lowered = html.lower()
    for needle in ("onerror", "onclick", "onmouseover", "onload", "javascript:", "data:"):
        assert needle not in lowered, (needle, html)
    for needle in ("vbscript:", "style=", "<form", "<input", "<embed", "position:fixed"):
        assert needle not in lowered, (needle, html)
    assert "texto" in html


def test_the_sanitiser_keeps_text_escaped() -> None:
    assert sanitise_html('<p onclick="x()">Tom & Jerry < 5</p>') == "<p>Tom &amp; Jerry &lt; 5</p>"
    assert render_markdown("Tom & Jerry < 5 > 3") == "<p>Tom &amp; Jerry &lt; 5 &gt; 3</p>"


@pytest.mark.parametrize(
    "markdown_text",
    [
        "[clique](javascript:alert(1))",
        "[clique](JaVaScRiPt:alert(1))",
        "[clique](&#106;avascript:alert(1))",
        "[clique](java&#x09;script:alert(1))",
        "[clique](<javascript:alert(1)>)",
        "[clique][1]\n\n[1]: javascript:alert(1)",
        "[clique](data:text/html,<script>alert(1)</script>)",
        "[clique](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[clique](vbscript:msgbox(1))",
        '[clique](https://ok.example" onmouseover="alert(1))',
        "[clique](java\tscript:alert(1))",
    ],
)
def test_markdown_links_to_dangerous_schemes_lose_their_address(markdown_text: str) -> None:
    html = render_markdown(markdown_text)
    assert_safe(html)
    assert "clique" in html
    for needle in ("javascript:", "data:", "vbscript:", "onmouseover"):
        assert needle not in html.lower(), (needle, html)


def test_links_keep_safe_addresses_and_get_rel() -> None:
    html = render_markdown(
        '[orçamento](/aprender/como-montar-um-orcamento-que-cabe-no-mes "Orçamento") '
        "[banco](https://www.bcb.gov.br) [e-mail](mailto:ajuda@example.com) <https://example.com>"
    )
    assert_safe(html)
    anchors = [attrs for tag, attrs in tags_of(html) if tag == "a"]
    assert [a["href"] for a in anchors] == [
        "/aprender/como-montar-um-orcamento-que-cabe-no-mes",
        "https://www.bcb.gov.br",
        "mailto:ajuda@example.com",
        "https://example.com",
    ]
    assert anchors[0]["title"] == "Orçamento"
    assert all(a["rel"] == "noopener noreferrer" for a in anchors)


def test_headings_are_demoted_below_the_page_title() -> None:
    html = render_markdown(
        "# Um\n\nTítulo\n======\n\n## Dois\n\n### Três\n\n##### Cinco\n\n###### Seis"
    )
    assert "<h1" not in html
    assert [tag for tag, _ in tags_of(html)] == ["h2", "h2", "h2", "h3", "h4", "h4"]
    assert "<h2>Um</h2>" in html


def test_the_usual_markdown_survives() -> None:
    html = render_markdown(
        "Texto com **negrito**, *itálico* e `código`.  \nNova linha.\n\n"
        "- um\n- dois\n\n3. três\n4. quatro\n\n> citação\n\n---\n\n"
        "```\nbloco\n```\n\n| Gasto | Valor |\n|:--|--:|\n| Aluguel | R$ 650,00 |\n"
    )
    assert_safe(html)
    found = {tag for tag, _ in tags_of(html)}
    assert found == {
        *("p", "strong", "em", "code", "br", "ul", "ol", "li", "blockquote", "hr", "pre"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
    assert '<ol start="3">' in html
    assert '<td align="right">R$ 650,00</td>' in html


def test_images_are_not_rendered() -> None:
    html = render_markdown("![foto](https://evil.example/x.png)")
    assert "<img" not in html
    assert "evil.example" not in html


def test_empty_text_renders_to_nothing() -> None:
    assert render_markdown("") == ""


# --- front matter ----------------------------------------------------------------------------

VALID = """---
slug: como-montar-um-orcamento-que-cabe-no-mes
title: Como montar um orçamento: o básico
category: orcamento
summary: Uma frase curta.
reading_minutes: 5
---
Primeiro parágrafo.

## Em resumo

- Um ponto.
"""


def with_line(key: str, value: str) -> str:
    """VALID with the value of one front matter key replaced."""
    return re.sub(rf"(?m)^{key}: .*$", f"{key}: {value}", VALID, count=1)


def test_a_valid_article_is_parsed() -> None:
    article = parse_article(VALID)
    assert article == ArticleSource(
        slug="como-montar-um-orcamento-que-cabe-no-mes",
        title="Como montar um orçamento: o básico",
        category="orcamento",
        summary="Uma frase curta.",
        reading_minutes=5,
        body_markdown="Primeiro parágrafo.\n\n## Em resumo\n\n- Um ponto.\n",
    )
    with pytest.raises(AttributeError):
        article.slug = "outro"  # type: ignore[misc]


def test_windows_line_endings_and_a_byte_order_mark_are_accepted() -> None:
    assert parse_article("\ufeff" + VALID.replace("\n", "\r\n")) == parse_article(VALID)


def test_a_summary_of_exactly_160_characters_is_accepted() -> None:
    assert len(parse_article(with_line("summary", "á" * 160)).summary) == 160


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Sem front matter.\n", "must start with a front matter block"),
        ("\n" + VALID, "must start with a front matter block"),
        (VALID.replace("reading_minutes: 5\n---\n", "reading_minutes: 5\n"), "not closed"),
        (VALID.replace("category: orcamento", "category orcamento"), "expected 'key: value'"),
        (VALID.replace("category: orcamento", ": orcamento"), "expected 'key: value'"),
        (VALID.replace("category: orcamento", "category: orcamento\ncategory: dividas"), "twice"),
        (with_line("title", ""), "'title' has no value"),
        (VALID.replace("category: orcamento", "category: orcamento\nauthor: Ana"), "unknown"),
        (with_line("category", "investimentos"), "unknown category 'investimentos'"),
        (with_line("category", "Orcamento"), "unknown category"),
        (with_line("category", "orçamento"), "unknown category"),
        (with_line("summary", "x" * 161), "summary has 161 characters"),
        (VALID[: VALID.index("Primeiro")] + "  \n", "no body"),
    ],
)
def test_malformed_articles_are_rejected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_article(text)


@pytest.mark.parametrize("field", FIELDS)
def test_each_missing_key_is_named(field: str) -> None:
    text = re.sub(rf"(?m)^{field}: .*\n", "", VALID)
    with pytest.raises(ValueError, match=f"missing front matter keys: {field}$"):
        parse_article(text)


@pytest.mark.parametrize(
    "slug",
    [
        "Com-Maiuscula",
        "com espaco",
        "com_sublinhado",
        "-comeca-com-hifen",
        "termina-com-hifen-",
        "hifen--duplo",
        "orçamento",
        "barra/no-meio",
        "a" * 121,
    ],
)
def test_bad_slugs_are_rejected(slug: str) -> None:
    with pytest.raises(ValueError, match="bad slug"):
        parse_article(with_line("slug", slug))


@pytest.mark.parametrize("minutes", ["0", "61", "100", "-3", "5.5", "cinco", "５", "5 min"])
def test_reading_minutes_must_be_1_to_60(minutes: str) -> None:
    with pytest.raises(ValueError, match="reading_minutes must be a whole number from 1 to 60"):
        parse_article(with_line("reading_minutes", minutes))


@pytest.mark.parametrize("minutes", ["1", "60"])
def test_reading_minutes_bounds_are_accepted(minutes: str) -> None:
    assert parse_article(with_line("reading_minutes", minutes)).reading_minutes == int(minutes)


# --- loading files ---------------------------------------------------------------------------


def test_a_file_must_be_named_after_its_slug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "outro-nome.md").write_text(VALID, encoding="utf-8")
    monkeypatch.setattr(markdown_render, "files", lambda _package: tmp_path)
    with pytest.raises(ValueError, match=r"outro-nome\.md: the file must be named after its slug"):
        load_bundled_articles()


def test_a_parse_error_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "quebrado.md").write_text("sem front matter\n", encoding="utf-8")
    (folder / "notas.txt").write_text("ignored", encoding="utf-8")
    monkeypatch.setattr(markdown_render, "files", lambda _package: tmp_path)
    with pytest.raises(ValueError, match=r"^quebrado\.md: the article must start"):
        load_bundled_articles()


# --- the bundled articles ------------------------------------------------------------------

ARTICLES = load_bundled_articles()
LINKED_FROM_THE_JOURNEY = {
    "como-montar-um-orcamento-que-cabe-no-mes": "orcamento",
    "como-reorganizar-quando-uma-parcela-atrasa": "dividas",
    "como-reconhecer-um-pix-verdadeiro": "pix-seguro",
}
THREATENING = ("processo judicial contra você", "última chance", "urgente", "nome sujo")


def by_slug(article: ArticleSource) -> str:
    return article.slug


def test_the_bundle_covers_every_category_with_unique_sorted_slugs() -> None:
    assert len(ARTICLES) >= 10
    slugs = [article.slug for article in ARTICLES]
    assert slugs == sorted(slugs)
    assert len(set(slugs)) == len(slugs)
    assert {article.category for article in ARTICLES} == set(CATEGORIES)


def test_the_articles_the_journey_links_to_exist() -> None:
    categories = {article.slug: article.category for article in ARTICLES}
    for slug, category in LINKED_FROM_THE_JOURNEY.items():
        assert categories.get(slug) == category, slug


@pytest.mark.parametrize("article", ARTICLES, ids=by_slug)
def test_each_article_renders_to_safe_html(article: ArticleSource) -> None:
    html = render_markdown(article.body_markdown)
    assert_safe(html)
    assert "<h1" not in html
    assert len(html) > 1000
    assert all(tag != "a" or attrs["href"] for tag, attrs in tags_of(html))


@pytest.mark.parametrize("article", ARTICLES, ids=by_slug)
def test_each_article_follows_the_house_style(article: ArticleSource) -> None:
    body = article.body_markdown
    assert article.title.strip() and len(article.summary) <= 160
    assert not re.search(r"R\$ ?\d+\.\d{2}\b", body + article.summary), "R$ with a decimal point"
    lowered = f"{article.title}\n{article.summary}\n{body}".casefold()
    assert not [word for word in THREATENING if word in lowered]
    assert "![" not in body, "no images"
    assert not re.search(r"(?m)^# ", body), "the page provides the h1"
    # It ends with a short "Em resumo" list.
    summary_section = body.rsplit("\n## ", 1)[-1]
    assert summary_section.startswith("Em resumo\n")
    assert re.search(r"(?m)^- ", summary_section)


@pytest.mark.parametrize("article", ARTICLES, ids=by_slug)
def test_links_only_point_to_our_other_articles(article: ArticleSource) -> None:
    slugs = {other.slug for other in ARTICLES}
    html = render_markdown(article.body_markdown)
    for tag, attrs in tags_of(html):
        if tag == "a":
            href = attrs["href"] or ""
            assert href.startswith("/aprender/"), href
            target = href.removeprefix("/aprender/")
            assert target in slugs and target != article.slug, href


def test_category_labels_are_translatable_pt_br_text(app: Flask) -> None:
    assert list(CATEGORIES) == [
        "orcamento",
        "dividas",
        "credito-consciente",
        "pix-seguro",
        "superendividamento",
    ]
    with app.test_request_context(headers={"Accept-Language": "pt-BR"}):
        assert str(CATEGORIES["pix-seguro"]) == "Pix seguro e golpes"
        assert all(str(label) for label in CATEGORIES.values())
