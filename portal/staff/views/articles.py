"""The financial-education editor (admins only): drafts, a sanitised preview, publishing.

Articles are the portal's own content, not a creditor's, so there is no creditor scope: the
role is the gate. Every change goes through ``portal.services.learn.articles`` and is audited.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.decorators import staff_required
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor
from portal.models import Article, StaffRole
from portal.services.learn import (
    CATEGORIES,
    ArticleDraft,
    ArticleError,
    all_articles,
    article_html,
    create_article,
    find_article,
    publish_article,
    unpublish_article,
    update_article,
)
from portal.staff.article_forms import ArticleForm, NewArticleForm
from portal.staff.blueprint import bp
from portal.staff.forms import ConfirmForm

PREVIEW = "previa"


def _slug_error(reason: str) -> str:
    messages = {
        "slug_taken": _("Já existe um artigo com este endereço. Escolha outro."),
        "reserved_slug": _("Este endereço é usado por uma página do portal. Escolha outro."),
    }
    return messages.get(reason, _("Use letras minúsculas sem acento, números e hífens."))


def _draft(form: ArticleForm) -> ArticleDraft:
    return ArticleDraft(
        title=str(form.title.data).strip(),
        summary=str(form.summary.data).strip(),
        category=str(form.category.data),
        reading_minutes=int(form.reading_minutes.data),
        body_markdown=str(form.body_markdown.data).replace("\r\n", "\n"),
    )


def _article_or_404(article_id: int) -> Article:
    article = find_article(db.session, article_id)
    if article is None:
        abort(404)
    return article


def _render_form(
    form: ArticleForm, article: Article | None = None, *, preview: bool = False, status: int = 200
) -> tuple[str, int]:
    body = None
    if preview and form.body_markdown.data:
        body = article_html(ArticleDraft("", "", "", 1, str(form.body_markdown.data)))
    return render_template(
        "staff/articles/form.html",
        form=form,
        article=article,
        preview=body,
        confirm=ConfirmForm(),
    ), status


@bp.get("/artigos")
@staff_required(StaffRole.ADMIN)
def article_list() -> str:
    return render_template(
        "staff/articles/index.html", articles=all_articles(db.session), categories=CATEGORIES
    )


@bp.route("/artigos/novo", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def article_new() -> Response | tuple[str, int]:
    form = NewArticleForm()
    if request.method in ("GET", "HEAD"):
        form.reading_minutes.data = form.reading_minutes.data or 5
        return _render_form(form)
    if not form.validate_on_submit():
        return _render_form(form, status=400)
    if request.form.get("acao") == PREVIEW:
        return _render_form(form, preview=True)
    try:
        with unit_of_work(db.session):
            article = create_article(
                db.session, str(form.slug.data), _draft(form), actor=request_actor()
            )
    except ArticleError as error:
        form.slug.errors = [_slug_error(error.reason)]
        return _render_form(form, status=400)
    flash(_("Rascunho criado. Confira a prévia e publique quando estiver pronto."), "success")
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)


@bp.route("/artigos/<int:article_id>", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def article_edit(article_id: int) -> Response | tuple[str, int]:
    article = _article_or_404(article_id)
    if request.method in ("GET", "HEAD"):
        return _render_form(ArticleForm(obj=article), article, preview=True)
    form = ArticleForm()
    if article.is_published:
        flash(_("Este artigo está publicado. Despublique antes de editar."), "error")
        return _render_form(ArticleForm(obj=article), article, preview=True, status=409)
    if not form.validate_on_submit():
        return _render_form(form, article, status=400)
    if request.form.get("acao") == PREVIEW:
        return _render_form(form, article, preview=True)
    with unit_of_work(db.session):
        update_article(db.session, article, _draft(form), actor=request_actor())
    flash(_("Rascunho salvo."), "success")
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)


@bp.post("/artigos/<int:article_id>/publicar")
@staff_required(StaffRole.ADMIN)
def article_publish(article_id: int) -> Response:
    article = _article_or_404(article_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work(db.session):
        published = publish_article(db.session, article, actor=request_actor(), now=now_utc())
    if published:
        flash(_("Artigo publicado. Ele já aparece em Aprenda."), "success")
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)


@bp.post("/artigos/<int:article_id>/despublicar")
@staff_required(StaffRole.ADMIN)
def article_unpublish(article_id: int) -> Response:
    article = _article_or_404(article_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work(db.session):
        unpublished = unpublish_article(db.session, article, actor=request_actor())
    if unpublished:
        flash(_("Artigo despublicado: voltou a ser rascunho e saiu de Aprenda."), "success")
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)
