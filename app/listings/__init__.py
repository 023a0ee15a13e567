"""Needs, achievements and services in the browser: browse, read, post, edit, and change status."""

from flask import Blueprint

bp = Blueprint("listings", __name__)

from app.listings import routes  # noqa: E402,F401
