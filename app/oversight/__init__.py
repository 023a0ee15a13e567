"""The bureau's oversight in the browser: its workbench, the centers' side (applying, records, reports),
the experts' assignments and the public notice."""

from flask import Blueprint

bp = Blueprint("oversight", __name__)

from app.oversight import labels, routes  # noqa: E402,F401
