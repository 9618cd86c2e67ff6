"""Development-only pages: the outbox of e-mails, SMS and WhatsApp messages.

Registered only outside production and only when e-mail goes to the outbox
(see ``portal._register_blueprints``).
"""

from portal.demo.dev import views  # noqa: F401  (registers the routes)
from portal.demo.dev.blueprint import bp

__all__ = ["bp"]
