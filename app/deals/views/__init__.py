"""Deals in the browser: one blueprint, its pages in two modules."""

from app.deals.views import contract_text, deals
from app.deals.views.blueprint import bp

__all__ = ["bp", "contract_text", "deals"]
