"""Profiles in the browser: an organization's page, the list of innovation centers and each center's page."""

from flask import Blueprint

bp = Blueprint("profiles", __name__)

from app.profiles import routes  # noqa: E402,F401
