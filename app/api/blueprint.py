"""The API's one blueprint, shared by its domain modules (so none of them imports the package that imports it)."""

from flask import Blueprint

bp = Blueprint("api", __name__)
