"""Development-only pages: the outbox of e-mails, SMS and WhatsApp messages.

Registered only outside production and only when e-mail goes to the outbox
(see ``portal._register_blueprints``).
"""

from flask import Blueprint

bp = Blueprint("dev", __name__, url_prefix="/dev")

from portal.dev import views  # noqa: E402, F401
