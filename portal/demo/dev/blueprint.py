"""The ``dev`` blueprint object and its request hooks (views import it from here)."""

from flask import Blueprint

bp = Blueprint("dev", __name__, url_prefix="/dev")
