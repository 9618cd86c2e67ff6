"""Learn articles: bundled set loaded once, drafts, publishing, audit, safe HTML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from portal.core.context import SYSTEM, Actor
from portal.extensions import db
from portal.models import ActorType, Article, ArticleStatus, StaffRole
from portal.models.article import ARTICLE_CATEGORIES
from portal.services.learn import (
    CATEGORIES,
    ArticleDraft,
    ArticleError,
    article_html,
    create_article,
    load_bundled,
    load_bundled_articles,
    publish_article,
    published_article,
    published_articles,
    unpublish_article,
    update_article,
)
from tests.access_helpers import events, make_staff
from tests.services.learn.test_markdown_render import assert_safe, tags_of

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BUNDLE = load_bundled_articles()


def draft(**overrides: object) -> ArticleDraft:
    fields: dict[str, object] = {
        "title": "Como guardar um pouco todo mês",
        "summary": "Um passo de cada vez.",
        "category": "orcamento",
        "reading_minutes": 3,
        "body_markdown": "## Comece pequeno\n\nGuarde R$ 10,00 por semana.\n",
    }
    fields.update(overrides)
    return ArticleDraft(**fields)  # type: ignore[arg-type]


@pytest.fixture
def admin() -> Actor:
    user = make_staff(role=StaffRole.ADMIN, all_creditors=True, email="admin@example.com")
    return Actor(ActorType.STAFF, str(user.id), ip="203.0.113.9")


def test_the_model_categories_are_the_renderers() -> None:
    assert tuple(CATEGORIES) == ARTICLE_CATEGORIES


def test_the_bundle_is_loaded_published_and_only_once() -> None:
    added = load_bundled(db.session, actor=SYSTEM, now=NOW)
    assert added == [source.slug for source in BUNDLE] and len(added) >= 8
    rows = published_articles(db.session)
    assert {row.slug for row in rows} == set(added)
    assert all(row.published_at == NOW and row.created_by_staff_id is None for row in rows)
    [event] = events("article.bundle_loaded")
    assert event.details == {"slugs": added} and event.actor_type == "system"

    assert load_bundled(db.session, actor=SYSTEM, now=NOW) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == len(added)
    assert len(events("article.bundle_loaded")) == 1, "nothing to add, nothing audited"


def test_a_second_load_keeps_the_editors_changes(admin: Actor) -> None:
    load_bundled(db.session, actor=SYSTEM, now=NOW)
    pix = published_article(db.session, "como-reconhecer-um-pix-verdadeiro")
    assert pix is not None
    unpublish_article(db.session, pix, actor=admin)
    update_article(
        db.session, pix, draft(category="pix-seguro", title="Pix: novo título"), actor=admin
    )
    assert load_bundled(db.session, actor=SYSTEM, now=NOW) == []
    db.session.expire_all()
    again = db.session.scalar(sa.select(Article).where(Article.slug == pix.slug))
    assert again is not None
    assert (again.status, again.title) == (ArticleStatus.DRAFT, "Pix: novo título")


def test_create_is_a_draft_with_its_author_and_an_audit_record(admin: Actor) -> None:
    article = create_article(db.session, "guardar-todo-mes", draft(), actor=admin)
    assert article.status == ArticleStatus.DRAFT and article.published_at is None
    assert article.created_by_staff_id == article.updated_by_staff_id == int(str(admin.id))
    [event] = events("article.created")
    assert (event.subject_type, event.subject_id) == ("article", str(article.id))
    assert (event.actor_type, event.actor_id, event.ip) == ("staff", admin.id, "203.0.113.9")
    assert event.details == {"slug": "guardar-todo-mes"}
    assert published_article(db.session, "guardar-todo-mes") is None, "drafts are not public"


@pytest.mark.parametrize(
    ("slug", "fields", "reason"),
    [
        ("Com Maiusculas", {}, "bad_slug"),
        ("acentuação", {}, "bad_slug"),
        ("fim-", {}, "bad_slug"),
        ("a" * 121, {}, "bad_slug"),
        ("planejador", {}, "reserved_slug"),
        ("tema", {}, "reserved_slug"),
        ("ok", {"category": "lazer"}, "bad_category"),
        ("ok", {"title": "  "}, "bad_title"),
        ("ok", {"title": "t" * 201}, "bad_title"),
        ("ok", {"summary": "s" * 161}, "bad_summary"),
        ("ok", {"summary": ""}, "bad_summary"),
        ("ok", {"reading_minutes": 0}, "bad_reading_minutes"),
        ("ok", {"reading_minutes": 61}, "bad_reading_minutes"),
        ("ok", {"body_markdown": "\n  \n"}, "bad_body"),
        ("ok", {"body_markdown": "x" * 100_001}, "bad_body"),
    ],
)
def test_create_refuses_what_the_model_cannot_hold(
    admin: Actor, slug: str, fields: dict[str, object], reason: str
) -> None:
    with pytest.raises(ArticleError) as raised:
        create_article(db.session, slug, draft(**fields), actor=admin)
    assert raised.value.reason == reason
    assert events("article.created") == []


def test_a_taken_slug_is_refused(admin: Actor) -> None:
    create_article(db.session, "repetido", draft(), actor=admin)
    with pytest.raises(ArticleError, match="slug_taken"):
        create_article(db.session, "repetido", draft(title="Outro"), actor=admin)


def test_update_records_which_fields_changed(admin: Actor) -> None:
    article = create_article(db.session, "guardar", draft(), actor=admin)
    update_article(db.session, article, draft(title="Novo título", reading_minutes=4), actor=admin)
    assert (article.title, article.reading_minutes) == ("Novo título", 4)
    [event] = events("article.updated")
    assert event.details == {"slug": "guardar", "fields": ["reading_minutes", "title"]}
    update_article(db.session, article, draft(title="Novo título", reading_minutes=4), actor=admin)
    assert len(events("article.updated")) == 1, "no change, no audit record"


def test_a_published_article_must_be_unpublished_before_editing(admin: Actor) -> None:
    article = create_article(db.session, "guardar", draft(), actor=admin)
    publish_article(db.session, article, actor=admin, now=NOW)
    with pytest.raises(ArticleError, match="published"):
        update_article(db.session, article, draft(title="Sem prévia"), actor=admin)
    assert article.title == "Como guardar um pouco todo mês"


def test_publish_and_unpublish_are_audited_once_each(admin: Actor) -> None:
    article = create_article(db.session, "guardar", draft(), actor=admin)
    assert publish_article(db.session, article, actor=admin, now=NOW) is True
    assert publish_article(db.session, article, actor=admin, now=NOW) is False
    assert (article.status, article.published_at) == (ArticleStatus.PUBLISHED, NOW)
    assert published_article(db.session, "guardar") is article
    assert unpublish_article(db.session, article, actor=admin) is True
    assert unpublish_article(db.session, article, actor=admin) is False
    assert (article.status, article.published_at) == (ArticleStatus.DRAFT, None)
    assert published_article(db.session, "guardar") is None
    assert len(events("article.published")) == 1
    assert len(events("article.unpublished")) == 1


def test_published_lists_filter_by_category(admin: Actor) -> None:
    load_bundled(db.session, actor=SYSTEM, now=NOW)
    create_article(db.session, "rascunho", draft(category="pix-seguro"), actor=admin)
    pix = published_articles(db.session, "pix-seguro")
    assert pix and all(a.category == "pix-seguro" for a in pix)
    assert "rascunho" not in {a.slug for a in pix}


@pytest.mark.parametrize(
    "body",
    [
        "Olá <script>alert(1)</script> mundo",
        '<img src="x" onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">clique</a>',
        "[clique](javascript:alert(1))",
        "[clique](JaVaScRiPt:alert(1))",
        "[clique](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<iframe src='https://evil.example'></iframe>",
        '<svg onload="alert(1)"><circle/></svg>',
        "<style>body{display:none}</style>",
        '<p style="background:url(javascript:alert(1))">x</p>',
    ],
)
def test_the_html_is_sanitised_whoever_wrote_the_markdown(admin: Actor, body: str) -> None:
    article = create_article(db.session, "perigoso", draft(body_markdown=body), actor=admin)
    html = str(article_html(article))
    assert_safe(html)  # allow-listed tags only, no on* or style attributes, safe schemes
    for _tag, attrs in tags_of(html):
        assert not any(name.startswith("on") for name in attrs)
        assert not (attrs.get("href") or "").lower().startswith(("javascript", "data"))
    assert "alert(1)</script>" not in html and "<script" not in html.lower()


def test_the_database_refuses_inconsistent_rows() -> None:
    for bad in (
        {},  # the valid baseline: no error expected
        {"status": "published", "published_at": None},
        {"status": "draft", "published_at": NOW},
        {"status": "archived", "published_at": None},
        {"category": "lazer"},
        {"reading_minutes": 0},
    ):
        fields: dict[str, object] = {
            "slug": "x",
            "title": "t",
            "summary": "s",
            "category": "orcamento",
            "reading_minutes": 3,
            "body_markdown": "b",
            "status": "draft",
            "published_at": None,
        }
        fields.update(bad)
        with db.session.begin_nested():
            db.session.add(Article(**fields))
            if not bad:
                db.session.flush()
                db.session.rollback()
                continue
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()


def test_seed_demo_loads_the_articles_idempotently(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert f"Artigos de educação financeira: {len(BUNDLE)} publicados." in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "Artigos de educação financeira: 0 publicados." in second.output
    assert len(published_articles(db.session)) == len(BUNDLE)
