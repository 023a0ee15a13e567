"""The home page, the language switch, and the template filters every page uses."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import routes, templating  # noqa: E402,F401
