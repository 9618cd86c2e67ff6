"""``/verificar``: anyone can check that a document, a Pix code or a message is genuine.

``/verificar/<code>`` checks a document by the code printed on it; the form at ``/verificar``
takes a code, a Pix "copia e cola" or a message's text (:mod:`portal.services.verification`).

The page names the creditor, the kind of document, its date, the agreement's state and the
digest of the accepted offer: nothing about the debtor. GETs are rate-limited per IP, so
codes cannot be enumerated; the page is kept out of search engines and referrers. It reads
stored rows only and never renders a PDF.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.auth.limits import ip_limit
from portal.core.clock import now_utc
from portal.extensions import db
from portal.public.blueprint import bp
from portal.public.forms import CheckForm
from portal.services.documents import (
    format_code,
    kind_label,
    normalise_code,
    state_label,
    verify,
)
from portal.services.verification import check_text


def _private(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/verificar")
def check_form() -> Response:
    return _private(make_response(render_template("public/verify/check.html", form=CheckForm())))


@bp.post("/verificar")
@ip_limit("RATELIMIT_AUTH_IP")
def check() -> Response:
    form = CheckForm()
    if not form.validate_on_submit():
        body = render_template("public/verify/check.html", form=form)
        return _private(make_response(body, 400))
    host = urlsplit(current_app.config["BASE_URL"]).hostname or ""
    finding = check_text(db.session, str(form.text.data), our_host=host, now=now_utc())
    if finding.kind == "document" and finding.code:
        return redirect(url_for("public.verify_document", code=finding.code), code=303)
    body = render_template(
        "public/verify/check.html", form=form, finding=finding, our_host=host, now=now_utc()
    )
    return _private(make_response(body))


@bp.get("/verificar/<code>")
@ip_limit("RATELIMIT_AUTH_IP", methods=["GET", "HEAD"])  # HEAD too: same answer codes
def verify_document(code: str) -> Response:
    view = verify(db.session, code[:64])
    if view is None:
        typed = normalise_code(code[:64])
        body = render_template(
            "public/verify/not-found.html",
            typed=format_code(typed) if typed else None,
            form=CheckForm(formdata=None),
        )
        response = make_response(body, 404)
    else:
        body = render_template(
            "public/verify/result.html",
            view=view,
            code=format_code(view.code),
            kind=kind_label(view.kind),
            state=state_label(view.agreement_state),
        )
        response = make_response(body)
    return _private(response)
