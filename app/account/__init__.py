"""The signed-in user's own account: API tokens."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from app.account import routes  # noqa: E402,F401
