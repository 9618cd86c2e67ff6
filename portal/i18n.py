"""Language selection: pt-BR by default, English second.

The visible switch stores the choice in a cookie; otherwise the browser's Accept-Language
decides. Message ids are written in pt-BR (the product's language); the ``en`` catalogue
translates them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import get_translations

LOCALE_COOKIE = "locale"
HTML_LANG = {"pt_BR": "pt-BR", "en": "en"}


def select_locale() -> str:
    if not has_request_context():  # a task or a CLI command: the product's language
        return "pt_BR"
    supported: tuple[str, ...] = current_app.config["SUPPORTED_LOCALES"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in supported:
        return chosen
    best = request.accept_languages.best_match(["pt-BR", "pt", "en"])
    if best in (None, "pt", "pt-BR"):
        return "pt_BR"
    return "en"


def html_lang(locale: str) -> str:
    return HTML_LANG.get(locale, "pt-BR")


def current_translations() -> Any:
    """Flask-Babel's ``get_translations()``, looked up once per locale in each context.

    Flask-Babel resolves the context, the domain, the locale and the locale's name on every
    message (about 40 µs each; a page has 50 to 150 of them). The answer is kept next to
    Flask-Babel's own per-context state and reused while that state still names the same
    locale and domain objects, so ``force_locale`` (e-mails in the reader's language) and
    ``refresh`` take effect at once, exactly as before.
    """
    if not has_app_context():
        return get_translations()
    state = g.get("_flask_babel")
    memo = getattr(state, "portal_translations", None)
    if (
        memo is not None
        and memo[0] is getattr(state, "babel_locale", None)
        and memo[1] is getattr(state, "babel_domain", None)
    ):
        return memo[2]
    translations = get_translations()  # sets babel_locale and babel_domain on the state
    state = g.get("_flask_babel")
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.portal_translations = (state.babel_locale, state.babel_domain, translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``/``ngettext`` through :func:`current_translations` (same catalogues,
    same newstyle escaping as Flask-Babel's own callables)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
    )
