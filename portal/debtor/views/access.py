"""Getting in: request a magic link, open a link (GET shows a button, POST uses it), the
identity check, one-time codes and logout. Requirements: docs/requirements.md §A, §B.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.limits import hit_identifier, ip_limit
from portal.auth.session import DEBTOR, grant, log_in, log_out
from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.tokens import new_browser_nonce, token_hash
from portal.core.uow import transactional
from portal.debtor.blueprint import bp
from portal.debtor.forms import (
    CodeForm,
    EnterForm,
    LinkRequestForm,
    identity_answer,
    identity_form,
)
from portal.extensions import db
from portal.http import request_actor
from portal.models import AccessLink, Channel, CodePurpose, CreditorDebtor, LinkPurpose
from portal.services.access import (
    CodeUnavailable,
    check_identity,
    consume_magic_link,
    find_link,
    identifier_key,
    link_birth_date,
    link_event,
    link_relationships,
    masked_destination,
    queue_magic_link_request,
    send_code,
    usable,
    verify_code,
)

NONCE_COOKIE = "link_nonce"
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int, dict[str, str]]:
    """Pages that carry a token in their URL never leak it in a Referer (A13)."""
    return render_template(template, **context), status, NO_REFERRER


def _attempts_left(count: int) -> str:
    return ngettext(
        "Os dados não conferem. Você ainda tem %(num)s tentativa.",
        "Os dados não conferem. Você ainda tem %(num)s tentativas.",
        count,
    )


def _locked_page() -> tuple[str, int, dict[str, str]]:
    """Only to the attempt that locks the link (later visits get the generic page, A11)."""
    form = LinkRequestForm(formdata=None)
    return _page("debtor/access/link-invalid.html", 404, form=form, locked=True)


def _peek() -> bool:
    """HEAD (link previewers, scanners, uptime checks): the GET page, recording nothing."""
    return request.method == "HEAD"


def _link_failure(link: AccessLink | None, why: str) -> tuple[str, int, dict[str, str]]:
    """One page for expired, used, locked, revoked and tampered links (A11); the failure is
    audited in the calling view's unit of work (a HEAD records nothing)."""
    if _peek():
        return _page("debtor/access/link-invalid.html", 404, form=LinkRequestForm(formdata=None))
    record_event(
        db.session,
        request_actor(),
        "link.failed",
        subject=("access_link", link.id) if link else None,
        details={"why": why, **({"debtor_id": link.debtor_id} if link else {})},
    )
    return _page("debtor/access/link-invalid.html", 404, form=LinkRequestForm(formdata=None))


def _opens_something(link: AccessLink | None) -> bool:
    """Usable, and proving at least one company (see ``link_relationships``)."""
    return (
        link is not None and usable(link, now_utc()) and bool(link_relationships(db.session, link))
    )


# --- self-service request -------------------------------------------------------------


@bp.post("/entrar")
@ip_limit("RATELIMIT_LINK_REQUEST_IP")
@transactional
def request_link() -> Response | tuple[str, int]:
    form = LinkRequestForm()
    if not form.validate_on_submit():
        return render_template("public/home/index.html", form=form), 400
    nonce = new_browser_nonce()
    identifier = str(form.identifier.data)
    if hit_identifier("RATELIMIT_LINK_REQUEST_IDENTIFIER", identifier_key(identifier)):
        # The lookup runs in a task: this answer takes as long for any identifier (A10).
        queue_magic_link_request(db.session, identifier, actor=request_actor(), browser_nonce=nonce)
    else:
        record_event(db.session, request_actor(), "link.request_limited")
    response = redirect(url_for("debtor.link_sent"), code=303)
    # Binds the link to this browser (A6): set on every request, known or not (A10).
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        max_age=current_app.config["MAGIC_LINK_TTL_MINUTES"] * 60,
        path="/entrar",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/entrar/enviado")
def link_sent() -> str:
    return render_template(
        "debtor/access/link-sent.html", minutes=current_app.config["MAGIC_LINK_TTL_MINUTES"]
    )


# --- magic links ----------------------------------------------------------------------


@bp.get("/entrar/<token>")
@transactional
def magic_link(token: str) -> tuple[str, int, dict[str, str]]:
    """Opening never uses the link: a scanner that fetches it (even with JS) changes nothing."""
    link = find_link(db.session, token, LinkPurpose.MAGIC)
    if link is None or not _opens_something(link):
        return _link_failure(link, "unusable")
    if not _peek():
        link_event(db.session, request_actor(), "link.opened", link)
    return _page("debtor/access/enter.html", form=EnterForm(), action=request.path)


@bp.post("/entrar/<token>")
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def magic_link_use(token: str) -> Response | tuple[str, int, dict[str, str]]:
    now = now_utc()
    link = find_link(db.session, token, LinkPurpose.MAGIC)
    if link is None or not _opens_something(link):
        return _link_failure(link, "unusable")
    nonce = request.cookies.get(NONCE_COOKIE, "")
    same_browser = bool(nonce) and hmac.compare_digest(
        token_hash(nonce), link.browser_nonce_hash or ""
    )
    if not same_browser:
        # Another browser: identity check and a one-time code before the link is used (A6).
        session.clear()
        session["pending"] = {"link_id": link.id, "kba": False, "code_id": None}
        link_event(db.session, request_actor(), "link.opened_elsewhere", link)
        return redirect(url_for("debtor.confirm_identity"), code=303)
    if not consume_magic_link(db.session, link, actor=request_actor(), now=now):
        return _page("debtor/access/link-invalid.html", 404, form=LinkRequestForm(formdata=None))
    return _sign_in(link, "magic_link", clear_nonce=True)


def _sign_in(link: AccessLink, method: str, *, clear_nonce: bool = False) -> Response:
    """A session that shows only the companies this link proves (docs/security.md)."""
    debtor = link.debtor
    proved = sorted(rel.creditor_id for rel in link_relationships(db.session, link))
    log_in(DEBTOR, debtor, method=method)
    grant(proved, link_id=link.id)
    if link.creditor_id:
        session["creditor_id"] = link.creditor_id
    record_event(
        db.session,
        request_actor(),
        "auth.login",
        subject=("debtor", debtor.id),
        # A one-company session is that company's event (other companies' staff never see it).
        creditor_id=proved[0] if len(proved) == 1 else None,
        details={"method": method, "link_id": link.id, "creditor_ids": proved},
    )
    response = redirect(url_for("debtor.home"), code=303)  # token-free URL (A13)
    if clear_nonce:
        response.delete_cookie(NONCE_COOKIE, path="/entrar")
    return response


def _pending_link() -> AccessLink | None:
    pending = session.get("pending")
    if not isinstance(pending, dict):
        return None
    link = db.session.get(AccessLink, pending.get("link_id"))
    return link if _opens_something(link) else None


def _code_contact(link: AccessLink) -> CreditorDebtor:
    """Where the sign-in code goes: the address the magic link went to (a relationship
    that holds it; the link is usable only while one does)."""
    return link_relationships(db.session, link)[0]


@bp.route("/entrar/confirmar", methods=["GET", "POST"])
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def confirm_identity() -> Response | tuple[str, int, dict[str, str]]:
    link = _pending_link()
    if link is None:
        session.pop("pending", None)
        return _link_failure(None, "no_pending_sign_in")
    birth_date = link_birth_date(db.session, link)
    method, form = identity_form(birth_date is not None)
    status, error = 200, None
    if request.method == "POST" and form.validate_on_submit():
        now = now_utc()
        result = check_identity(
            db.session, link, method, identity_answer(method, form), actor=request_actor(), now=now
        )
        if result.locked:
            session.pop("pending", None)
            return _locked_page()
        if result.passed:
            try:
                code = send_code(
                    db.session,
                    _code_contact(link),
                    purpose=CodePurpose.SIGN_IN,
                    channel=Channel.EMAIL,
                    ttl=_code_ttl(),
                    actor=request_actor(),
                    now=now,
                )
            except CodeUnavailable:
                return _link_failure(link, "no_channel_for_code")
            session["pending"] = {"link_id": link.id, "kba": True, "code_id": code.id}
            return redirect(url_for("debtor.enter_code"), code=303)
        status = 400
        error = _attempts_left(result.attempts_left)
    elif request.method == "POST":
        status = 400
    return _page(
        "debtor/access/identity.html",
        status,
        form=form,
        method=method,
        error=error,
        action=url_for("debtor.confirm_identity"),
        creditor=None,
        allow_birth_date=birth_date is not None,
    )


def _code_ttl() -> timedelta:
    return timedelta(minutes=current_app.config["OTP_TTL_MINUTES"])


@bp.route("/entrar/codigo", methods=["GET", "POST"])
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def enter_code() -> Response | tuple[str, int, dict[str, str]]:
    link = _pending_link()
    pending = session.get("pending") or {}
    if link is None or not pending.get("kba") or not pending.get("code_id"):
        session.pop("pending", None)
        return _link_failure(link, "no_pending_code")
    form = CodeForm()
    status, error = 200, None
    if request.method == "POST" and form.validate_on_submit():
        now = now_utc()
        if verify_code(
            db.session,
            pending["code_id"],
            link.debtor_id,
            str(form.code.data),
            purpose=CodePurpose.SIGN_IN,
            actor=request_actor(),
            now=now,
        ):
            if consume_magic_link(db.session, link, actor=request_actor(), now=now):
                return _sign_in(link, "magic_link+kba+otp", clear_nonce=True)
            return _link_failure(link, "race")
        status, error = (
            400,
            _("Código incorreto ou vencido. Confira o e-mail mais recente ou peça um novo código."),
        )
    elif request.method == "POST":
        status = 400
    return _page(
        "debtor/access/code.html",
        status,
        form=form,
        error=error,
        destination=masked_destination(_code_contact(link), Channel.EMAIL),
        action=url_for("debtor.enter_code"),
        resend=url_for("debtor.resend_code"),
    )


@bp.post("/entrar/codigo/reenviar")
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def resend_code() -> Response | tuple[str, int, dict[str, str]]:
    link = _pending_link()
    pending = session.get("pending") or {}
    if link is None or not pending.get("kba"):
        return _link_failure(link, "no_pending_code")
    if hit_identifier("RATELIMIT_CODE_REQUEST", f"debtor:{link.debtor_id}"):
        code = send_code(
            db.session,
            _code_contact(link),
            purpose=CodePurpose.SIGN_IN,
            channel=Channel.EMAIL,
            ttl=_code_ttl(),
            actor=request_actor(),
            now=now_utc(),
        )
        session["pending"] = {**pending, "code_id": code.id}
        flash(_("Enviamos um novo código."), "success")
    else:
        record_event(
            db.session,
            request_actor(),
            "code.request_limited",
            details={"debtor_id": link.debtor_id},
        )
        flash(_("Você pediu muitos códigos. Aguarde alguns minutos e tente de novo."), "warning")
    return redirect(url_for("debtor.enter_code"), code=303)


# --- reminder links (SMS, WhatsApp, e-mail from the company) ---------------------------


@bp.route("/a/<token>", methods=["GET", "POST"])
@ip_limit("RATELIMIT_AUTH_IP")
@transactional
def reminder_link(token: str) -> Response | tuple[str, int, dict[str, str]]:
    """Shows only the creditor's name until the identity check passes (A15)."""
    now = now_utc()
    link = find_link(db.session, token, LinkPurpose.REMINDER)
    if link is None or not _opens_something(link):
        return _link_failure(link, "unusable")
    g.creditor = link.creditor
    birth_date = link_birth_date(db.session, link)
    method, form = identity_form(birth_date is not None)
    status, error = 200, None
    if request.method == "GET":
        link_event(db.session, request_actor(), "link.opened", link)
    elif _peek():
        pass  # the same page as GET; Werkzeug drops the body
    elif form.validate_on_submit():
        result = check_identity(
            db.session, link, method, identity_answer(method, form), actor=request_actor(), now=now
        )
        if result.passed:
            return _sign_in(link, "access_link+kba")
        if result.locked:
            return _locked_page()
        status = 400
        error = _attempts_left(result.attempts_left)
    else:
        status = 400
    return _page(
        "debtor/access/identity.html",
        status,
        form=form,
        method=method,
        error=error,
        action=request.path,
        creditor=link.creditor,
        allow_birth_date=birth_date is not None,
    )


# --- leaving ----------------------------------------------------------------------------


@bp.post("/sair")
@transactional
def logout() -> Response:
    if current_user.is_authenticated and current_user.is_debtor:
        record_event(
            db.session, request_actor(), "auth.logout", subject=("debtor", current_user.id)
        )
        log_out()
    else:
        session.clear()
    flash(_("Você saiu do portal. Até logo!"), "success")
    response = redirect(url_for("public.index"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
