"""The bureau's oversight in the browser: one blueprint, its pages in three modules (the yardsticks: targets, assessments, rectification)."""

from app.oversight.views import dashboard, fund, pages, yardsticks
from app.oversight.views.blueprint import bp

__all__ = ["bp", "dashboard", "fund", "pages", "yardsticks"]
