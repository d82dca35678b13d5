"""Views of the teams domain."""

from flask import Blueprint

bp = Blueprint("teams", __name__)
