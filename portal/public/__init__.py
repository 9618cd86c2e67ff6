"""Public pages: landing, language switch, health check and CSP reports. No login."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public.views import health, home, locale, opt_out, verify  # noqa: E402, F401
