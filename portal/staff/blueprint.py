"""The ``staff`` blueprint object and its request hooks (views import it from here)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/atendimento")
