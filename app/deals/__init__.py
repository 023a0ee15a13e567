"""Deals in the browser: expressions of interest, NDA, conversation, contracts, incubations, notifications and
saved searches. Every rule lives in the services; these views parse a form, call one function and render."""

from flask import Blueprint

bp = Blueprint("deals", __name__)

from app.deals import routes  # noqa: E402,F401
