"""The JSON API under /api/v1, authenticated with bearer tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import attachments, bureau, deals, indicators, routes  # noqa: E402,F401
