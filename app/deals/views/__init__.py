"""Deals in the browser."""
