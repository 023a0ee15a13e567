"""The JSON API under /api/v1, authenticated with bearer tokens: one module per domain (accounts, market, deals,
oversight) sharing app.api.helpers, and its OpenAPI document generated from their declarations (document)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import accounts, deals, document, market, oversight  # noqa: E402,F401
