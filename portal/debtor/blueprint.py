"""The ``debtor`` blueprint object and its request hooks (views import it from here)."""

from flask import Blueprint

bp = Blueprint("debtor", __name__)
