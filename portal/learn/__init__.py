"""Financial education, open to everyone (no login): articles and the budget planner."""

from portal.learn.blueprint import bp
from portal.learn.views import articles, planner  # noqa: F401  (registers the routes)

__all__ = ["bp"]
