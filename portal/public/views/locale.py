"""The visible language switch: a POST that stores the choice in a cookie."""

from __future__ import annotations

from flask import abort, current_app, redirect, request
from werkzeug.wrappers import Response

from portal.http import safe_next
from portal.i18n import LOCALE_COOKIE
from portal.public.blueprint import bp

ONE_YEAR = 365 * 24 * 3600


@bp.post("/idioma")
def set_locale() -> Response:
    locale = request.form.get("locale", "")
    if locale not in current_app.config["SUPPORTED_LOCALES"]:
        abort(400)
    response = redirect(safe_next(request.form.get("next")), code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
