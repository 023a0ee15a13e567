"""The JSON API under /api/v1, authenticated with bearer tokens: one module per domain (accounts, market, deals,
oversight) sharing app.api.helpers, and its OpenAPI document generated from their declarations (document)."""

from app.api import (
    accounts,
    assessments,
    deals,
    document,
    financing,
    fund,
    instruments,
    market,
    oversight,
    trading,
)
from app.api.blueprint import bp

__all__ = [
    "accounts",
    "assessments",
    "bp",
    "deals",
    "document",
    "financing",
    "fund",
    "instruments",
    "market",
    "oversight",
    "trading",
]
