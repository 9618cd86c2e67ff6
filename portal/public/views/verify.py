"""``/verificar/<code>``: anyone holding a document can check it is genuine.

The page names the creditor, the kind of document, its date, the agreement's state and the
digest of the accepted offer: nothing about the debtor. GETs are rate-limited per IP, so
codes cannot be enumerated; the page is kept out of search engines and referrers. It reads
stored rows only and never renders a PDF.
"""

from __future__ import annotations

from flask import make_response, render_template
from werkzeug.wrappers import Response

from portal.auth.limits import ip_limit
from portal.extensions import db
from portal.public.blueprint import bp
from portal.services.documents import (
    format_code,
    kind_label,
    normalise_code,
    state_label,
    verify,
)


@bp.get("/verificar/<code>")
@ip_limit("RATELIMIT_AUTH_IP", methods=["GET", "HEAD"])  # HEAD too: same answer codes
def verify_document(code: str) -> Response:
    view = verify(db.session, code[:64])
    if view is None:
        typed = normalise_code(code[:64])
        body = render_template(
            "public/verify/not-found.html", typed=format_code(typed) if typed else None
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
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
