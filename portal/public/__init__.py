"""Public pages: landing, language switch, health check and CSP reports. No login."""

from portal.public.blueprint import bp
from portal.public.views import health, home, locale, opt_out, verify  # noqa: F401  (registers the routes)

__all__ = ["bp"]
