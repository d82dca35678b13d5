"""Views of the invitations domain."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)
