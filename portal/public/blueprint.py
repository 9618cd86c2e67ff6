"""The ``public`` blueprint object and its request hooks (views import it from here)."""

from flask import Blueprint

bp = Blueprint("public", __name__)
