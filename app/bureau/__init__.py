"""The city bureau's desk: verifying organizations and resolving claims to them."""

from flask import Blueprint

bp = Blueprint("bureau", __name__)

from app.bureau import routes  # noqa: E402,F401
