"""Views of the reach domain."""

from flask import Blueprint

bp = Blueprint("reach", __name__)
