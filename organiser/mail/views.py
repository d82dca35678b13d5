"""Views of the mail domain."""

from flask import Blueprint

bp = Blueprint("mail", __name__)
