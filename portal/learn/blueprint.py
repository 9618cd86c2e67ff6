"""The ``learn`` blueprint object and its request hooks (views import it from here)."""

from flask import Blueprint

bp = Blueprint("learn", __name__)
