"""The bureau's oversight in the browser: one blueprint, its pages in two modules."""

from app.oversight.views import dashboard, pages
from app.oversight.views.blueprint import bp

__all__ = ["bp", "dashboard", "pages"]
