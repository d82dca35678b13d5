"""Views of the calendar domain."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
