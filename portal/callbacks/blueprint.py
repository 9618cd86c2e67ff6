"""The ``callbacks`` blueprint object (views import it from here)."""

from flask import Blueprint

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
