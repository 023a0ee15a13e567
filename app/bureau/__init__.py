"""The bureau's oversight in the browser: its workbench, the centers' side (applying, records, reports),
the experts' assignments and the public notice."""

from flask import Blueprint

bp = Blueprint("bureau", __name__)

from app.bureau import labels, routes  # noqa: E402,F401
