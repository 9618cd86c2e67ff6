"""Language selection: pt-BR by default, English second.

The visible switch stores the choice in a cookie; otherwise the browser's Accept-Language
decides. Message ids are written in pt-BR (the product's language); the ``en`` catalogue
translates them.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request

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
