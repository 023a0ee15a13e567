"""The trading pages (one blueprint, `trading`)."""

from app.trading.views.pages import bp

__all__ = ["bp"]
