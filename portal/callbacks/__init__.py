"""Provider callbacks (webhooks): authenticated by signature, not by session or CSRF."""

from portal.callbacks import pix, stripe, twilio  # noqa: F401  (registers the routes)
from portal.callbacks.blueprint import bp

__all__ = ["bp"]
