"""Financial education, open to everyone (no login): articles and the budget planner."""

from flask import Blueprint

bp = Blueprint("learn", __name__)

from portal.learn.views import articles, planner  # noqa: E402, F401
